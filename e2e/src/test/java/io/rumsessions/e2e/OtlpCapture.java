package io.rumsessions.e2e;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.input.InputMapping;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP protobuf receiver on loopback ({@code POST /v1/traces}) that keeps what the
 * processors export (their {@code export.endpoint}): session spans and forwarded spans.
 */
final class OtlpCapture implements AutoCloseable {
  /** One exported span with its resource, attributes as text. */
  record Exported(Span span, Map<String, String> attributes, Map<String, String> resource) {
    String name() {
      return span.getName();
    }

    String attr(String key) {
      return attributes.get(key);
    }

    double durationSeconds() {
      return (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1e9;
    }
  }

  private final HttpServer server;
  private final List<Exported> spans = new ArrayList<>();

  OtlpCapture() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/v1/traces", ex -> {
      try (ex) {
        byte[] body;
        try (InputStream in = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))
            ? new GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody()) {
          body = in.readAllBytes();
        }
        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
        synchronized (spans) {
          for (ResourceSpans rs : request.getResourceSpansList()) {
            Map<String, String> resource = text(rs.getResource());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span s : ss.getSpansList()) spans.add(new Exported(s, text(s.getAttributesList()), resource));
            }
          }
        }
        byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
        if (ok.length > 0) ex.getResponseBody().write(ok);
      }
    });
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Exported> spans() {
    synchronized (spans) {
      return List.copyOf(spans);
    }
  }

  List<Exported> named(String name) {
    return spans().stream().filter(s -> s.name().equals(name)).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static Map<String, String> text(Resource r) {
    return text(r.getAttributesList());
  }

  private static Map<String, String> text(List<KeyValue> kvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (KeyValue kv : kvs) out.put(kv.getKey(), text(kv.getValue()));
    return out;
  }

  /** As the processor reads it; arrays, maps and bytes as protobuf prints them. */
  private static String text(AnyValue v) {
    String s = InputMapping.stringOf(v);
    return s != null ? s : v.toString();
  }
}

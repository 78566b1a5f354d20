package io.rumsessions.extension.smoke;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A minimal OTLP/HTTP trace receiver on loopback ({@code POST /v1/traces}, protobuf, optionally
 * gzip), keeping every span it receives, for the smoke test to assert on what the agent exported.
 */
final class OtlpReceiver implements AutoCloseable {

  /** One received span, flattened. */
  record ReceivedSpan(
      String service,
      String name,
      Span.SpanKind kind,
      String traceId,
      String spanId,
      String parentSpanId,
      Map<String, String> attributes) {

    String attr(String key) {
      return attributes.get(key);
    }

    @Override
    public String toString() {
      return kind + " " + name + " trace=" + traceId + " span=" + spanId + " parent=" + parentSpanId
          + " " + attributes;
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong requests = new AtomicLong();
  private volatile boolean keep = true;

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/v1/traces", exchange -> {
      byte[] body;
      try (InputStream raw = exchange.getRequestBody()) {
        InputStream in =
            "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("content-encoding"))
                ? new GZIPInputStream(raw)
                : raw;
        body = in.readAllBytes();
      }
      requests.incrementAndGet();
      if (keep) {
        ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(body);
        for (ResourceSpans rs : req.getResourceSpansList()) {
          String service = null;
          for (KeyValue kv : rs.getResource().getAttributesList()) {
            if (kv.getKey().equals("service.name")) {
              service = kv.getValue().getStringValue();
            }
          }
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              Map<String, String> attrs = new LinkedHashMap<>();
              for (KeyValue kv : s.getAttributesList()) {
                attrs.put(kv.getKey(), text(kv.getValue()));
              }
              spans.add(
                  new ReceivedSpan(
                      service,
                      s.getName(),
                      s.getKind(),
                      hex(s.getTraceId()),
                      hex(s.getSpanId()),
                      hex(s.getParentSpanId()),
                      attrs));
            }
          }
        }
      }
      byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, response.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response);
      }
    });
    server.start();
  }

  /** Stop keeping spans (the benchmark only needs the agent's export to succeed). */
  void discardSpans() {
    keep = false;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<ReceivedSpan> spans() {
    synchronized (spans) {
      return new ArrayList<>(spans);
    }
  }

  void clear() {
    spans.clear();
  }

  /** Waits until a span matches; fails after the timeout. */
  ReceivedSpan await(Predicate<ReceivedSpan> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ReceivedSpan s : spans()) {
        if (p.test(s)) {
          return s;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no matching span within " + timeout + "; received: " + spans());
  }

  private static String text(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case DOUBLE_VALUE:
        return Double.toString(v.getDoubleValue());
      case ARRAY_VALUE:
        List<String> items = new ArrayList<>();
        for (AnyValue item : v.getArrayValue().getValuesList()) {
          items.add(text(item));
        }
        return items.toString();
      default:
        return v.toString();
    }
  }

  private static String hex(ByteString b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b.toByteArray()) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

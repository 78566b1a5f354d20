package io.rumsessions.processor.testing;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An OTLP/gRPC endpoint that counts the spans it receives by {@code name/spanId (hex)}. */
public final class OtlpCaptureServer implements AutoCloseable {
  private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
  private final Server server;

  private OtlpCaptureServer(int port) throws IOException {
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
              for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) received.computeIfAbsent(key(s), k -> new AtomicInteger()).incrementAndGet();
              }
            }
            response.onNext(ExportTraceServiceResponse.getDefaultInstance());
            response.onCompleted();
          }
        }).build().start();
  }

  /** @param port 0 for any free one */
  public static OtlpCaptureServer start(int port) throws IOException {
    return new OtlpCaptureServer(port);
  }

  /** How a span is counted: its name and its span id in hex. */
  public static String key(Span s) {
    return s.getName() + "/" + HexFormat.of().formatHex(s.getSpanId().toByteArray());
  }

  public int port() {
    return server.getPort();
  }

  /** Spans received so far, and how often each. */
  public Map<String, AtomicInteger> received() {
    return received;
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}

package io.rumsessions.processor.receive;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.rumsessions.processor.config.ReceiverConfig;
import io.rumsessions.processor.ingest.IngestResult;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.metrics.RumMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC TraceService. Messages over the size limit are refused by gRPC itself
 * (RESOURCE_EXHAUSTED); overload answers UNAVAILABLE, which OTLP clients retry with backoff.
 */
public final class OtlpGrpcReceiver implements AutoCloseable {
  private static final Context.Key<String> PEER = Context.key("rum-peer");

  private final Server server;
  private final ExecutorService executor;

  public OtlpGrpcReceiver(ReceiverConfig config, SpanPipeline pipeline, RumMetrics metrics, Admission admission) {
    this.executor = Executors.newFixedThreadPool(config.maxConcurrentRequests(), r -> {
      Thread t = new Thread(r, "otlp-grpc");
      t.setDaemon(true);
      return t;
    });
    TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        if (!admission.tryAcquire()) {
          metrics.request("grpc", "overloaded");
          response.onError(Status.UNAVAILABLE
              .withDescription(admission.closing() ? "shutting down" : "too many concurrent requests, retry later")
              .asRuntimeException());
          return;
        }
        long started = System.nanoTime();
        try {
          IngestResult result = pipeline.ingest(request, RequestContext.plain("grpc", PEER.get()));
          ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
          if (result.rejected() > 0) {
            b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                .setRejectedSpans(result.rejected()).setErrorMessage(result.errorMessage()));
          }
          metrics.request("grpc", result.rejected() > 0 ? "partial" : "ok");
          response.onNext(b.build());
          response.onCompleted();
        } finally {
          admission.release();
          metrics.ingestSeconds("grpc", (System.nanoTime() - started) / 1e9);
        }
      }
    };
    ServerInterceptor peer = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String address = a instanceof InetSocketAddress in && in.getAddress() != null ? in.getAddress().getHostAddress() : null;
        return Contexts.interceptCall(Context.current().withValue(PEER, address), call, headers, next);
      }
    };
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBytes()))
        .executor(executor)
        .addService(ServerInterceptors.intercept(service, peer))
        .build();
  }

  public void start() throws IOException {
    server.start();
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }
}

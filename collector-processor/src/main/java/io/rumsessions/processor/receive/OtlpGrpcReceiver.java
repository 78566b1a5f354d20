package io.rumsessions.processor.receive;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.rumsessions.processor.config.ReceiverConfig;
import io.rumsessions.processor.durability.StateUnavailableException;
import io.rumsessions.processor.ingest.IngestResult;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.metrics.RumMetrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
  /** Request arrays longer than this are not kept for the next request (see RequestBuffers). */
  private static final long LARGEST_KEPT_BUFFER = 1L << 20;
  private static final ExportTraceServiceResponse ACCEPTED = ExportTraceServiceResponse.getDefaultInstance();

  private final Server server;
  private final ExecutorService executor;
  private final SpanPipeline pipeline;
  private final RumMetrics metrics;
  private final Admission admission;
  /** Each executor thread's protobuf reader, used again for its next request (ingest is done with it by then). */
  private final ThreadLocal<OtlpWireSpans> wireReaders = ThreadLocal.withInitial(OtlpWireSpans::new);
  /** RESOURCE_EXHAUSTED is retryable in OTLP only with a RetryInfo saying when: it carries one. */
  private final io.grpc.StatusRuntimeException memoryLimited;

  public OtlpGrpcReceiver(ReceiverConfig config, SpanPipeline pipeline, RumMetrics metrics, Admission admission) {
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.admission = admission;
    this.memoryLimited = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
        .setMessage("the processor's memory is above receiver.memory-limit, retry later")
        .addDetails(Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(Math.max(1, config.retryAfter().toSeconds())))
            .build()))
        .build());
    // A thread per permit by default; fewer trade the p99 for spans per CPU-second (ReceiverConfig).
    this.executor = Executors.newFixedThreadPool(config.grpcThreads(), r -> {
      Thread t = new Thread(r, "otlp-grpc");
      t.setDaemon(true);
      return t;
    });
    // The request stays bytes until the pipeline reads it in place (OtlpWireSpans): parsing it
    // into protobuf-java messages made most of the processor's garbage. The bytes go into arrays
    // used again: one per concurrent request is kept, up to 1 MiB each.
    RequestBuffers buffers = new RequestBuffers(config.maxConcurrentRequests(),
        (int) Math.max(RequestBuffers.SMALLEST, Math.min(LARGEST_KEPT_BUFFER, config.maxRequestBytes())));
    MethodDescriptor<RequestBody, ExportTraceServiceResponse> export = TraceServiceGrpc.getExportMethod()
        .toBuilder(new RequestBodyMarshaller(buffers), ProtoUtils.marshaller(ACCEPTED))
        .build();
    ServerCalls.UnaryMethod<RequestBody, ExportTraceServiceResponse> handler = (request, response) -> {
      try {
        export(request, response);
      } finally {
        buffers.give(request.bytes());
      }
    };
    ServerServiceDefinition service = ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(export, ServerCalls.asyncUnaryCall(handler))
        .build();
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

  private void export(RequestBody request, StreamObserver<ExportTraceServiceResponse> response) {
    if (request.tooLarge() != null) {
      metrics.request("grpc", "too_large");
      response.onError(Status.RESOURCE_EXHAUSTED.withDescription(request.tooLarge()).asRuntimeException());
      return;
    }
    if (admission.memoryLimited()) {
      metrics.request("grpc", "memory_limited");
      response.onError(memoryLimited);
      return;
    }
    if (!admission.tryAcquire()) {
      metrics.request("grpc", "overloaded");
      response.onError(Status.UNAVAILABLE
          .withDescription(admission.closing() ? "shutting down" : "too many concurrent requests, retry later")
          .asRuntimeException());
      return;
    }
    long started = System.nanoTime();
    admission.arriving();
    Runnable giveBack = admission.giveBackOnce(admission::arrived);
    // This thread's reader, used again request after request; it lets go of the request below.
    OtlpWireSpans reader = wireReaders.get();
    try {
      OtlpWireSpans spans;
      try {
        spans = OtlpWireSpans.read(request.bytes(), request.length(), reader);
      } catch (MalformedPayloadException e) {
        metrics.request("grpc", "malformed");
        response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        metrics.ingestSeconds("grpc", (System.nanoTime() - started) / 1e9);
        return;
      }
      // Answered once durable, from the state log's thread: this one goes on to the next request.
      pipeline.ingest(spans, RequestContext.plain("grpc", PEER.get()), giveBack, new SpanPipeline.Acknowledgement() {
        @Override
        public void durable(IngestResult result) {
          ExportTraceServiceResponse answer = ACCEPTED;
          if (result.rejected() > 0) {
            answer = ExportTraceServiceResponse.newBuilder().setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                .setRejectedSpans(result.rejected()).setErrorMessage(result.errorMessage())).build();
          }
          metrics.request("grpc", result.rejected() > 0 ? "partial" : "ok");
          response.onNext(answer);
          response.onCompleted();
          metrics.ingestSeconds("grpc", (System.nanoTime() - started) / 1e9);
        }

        @Override
        public void unavailable(StateUnavailableException e) {
          // Not durable, so not acknowledged: UNAVAILABLE is retried by OTLP clients.
          metrics.request("grpc", "unavailable");
          response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
          metrics.ingestSeconds("grpc", (System.nanoTime() - started) / 1e9);
        }
      });
    } finally {
      if (!reader.release()) wireReaders.remove();
      giveBack.run();
    }
  }

  /** A request message's bytes: {@code bytes[0, length)}; the array may be longer and is used again. */
  /** A request's bytes; {@code tooLarge} (bytes null) when it inflated past the limit. */
  private record RequestBody(byte[] bytes, int length, String tooLarge) {
    RequestBody(byte[] bytes, int length) {
      this(bytes, length, null);
    }
  }

  /** Takes a request message as its bytes; gRPC has already enforced the size limit. */
  private static final class RequestBodyMarshaller implements MethodDescriptor.Marshaller<RequestBody> {
    private final RequestBuffers buffers;

    RequestBodyMarshaller(RequestBuffers buffers) {
      this.buffers = buffers;
    }

    @Override
    public InputStream stream(RequestBody value) {
      return new ByteArrayInputStream(value.bytes(), 0, value.length());
    }

    @Override
    public RequestBody parse(InputStream in) {
      try {
        if (!(in instanceof KnownLength)) {
          // A compressed message: grpc-java bounds it by maxInboundMessageSize while inflating and
          // throws RESOURCE_EXHAUSTED from this read, which, thrown out of parse, would reach the
          // client as UNKNOWN ("application error"); answered and counted by export() instead.
          try {
            byte[] bytes = in.readAllBytes();
            return new RequestBody(bytes, bytes.length);
          } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) throw e;
            return new RequestBody(null, 0, e.getStatus().getDescription());
          }
        }
        // gRPC's own streams know their length: read into a kept array, no growing copies.
        int length = in.available();
        byte[] bytes = buffers.take(length);
        int n = in.readNBytes(bytes, 0, length);
        int next = in.read();
        if (n == length && next < 0) return new RequestBody(bytes, length);
        buffers.give(bytes);
        throw new IOException("the message was not the length gRPC gave it");
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("could not read the request: " + e.getMessage()).withCause(e).asRuntimeException();
      }
    }
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

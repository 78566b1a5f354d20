package io.rumsessions.processor.export;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** OTLP/gRPC with the request's bytes as they are (grpc-java, no message built again). */
public final class GrpcOtlpSender implements OtlpSender {
  /** Retryable per the OTLP specification (RESOURCE_EXHAUSTED too: dropping is worse than waiting). */
  private static final Set<Status.Code> RETRYABLE = EnumSet.of(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED,
      Status.Code.ABORTED, Status.Code.OUT_OF_RANGE, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS,
      Status.Code.RESOURCE_EXHAUSTED);
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<byte[], byte[]> EXPORT = TraceServiceGrpc.getExportMethod().toBuilder(BYTES, BYTES).build();

  private final ManagedChannel channel;
  private final Channel withHeaders;
  private final Duration timeout;

  public GrpcOtlpSender(String endpoint, Duration timeout, Map<String, String> headers) {
    URI uri = URI.create(endpoint.contains("://") ? endpoint : "http://" + endpoint);
    ManagedChannelBuilder<?> b = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort() < 0 ? 4317 : uri.getPort());
    this.channel = ("https".equals(uri.getScheme()) ? b.useTransportSecurity() : b.usePlaintext()).build();
    this.timeout = timeout;
    Metadata metadata = new Metadata();
    headers.forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    this.withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  @Override
  public Result send(byte[] request) {
    try {
      ClientCalls.blockingUnaryCall(withHeaders, EXPORT,
          CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS), request);
      return Result.OK;
    } catch (StatusRuntimeException e) {
      String message = e.getStatus().toString();
      return RETRYABLE.contains(e.getStatus().getCode()) ? Result.retry(0, message) : Result.failed(message);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}

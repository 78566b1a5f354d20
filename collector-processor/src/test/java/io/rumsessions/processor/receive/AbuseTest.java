package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Status;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.testing.Scrape;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile payloads over real HTTP and gRPC against an in-process processor: each is refused or
 * cut to a configured limit, answered with a clear status, counted in a metric, and the next
 * ordinary request is served as before.
 */
class AbuseTest {
  static final String UA = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

  @TempDir Path state;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  RumSessionsProcessor processor;

  void start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "state.dir", state.toString(), "state.durability", "none"));
    o.putAll(extra);
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), InstantSource.system()).start();
  }

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  HttpResponse<byte[]> post(String contentType, byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
        .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** One documentLoad span of {@code sessionId}, with {@code extraAttributes} (JSON, leading comma) after its own. */
  static String request(String sessionId, String url, String extraAttributes) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},\
        "scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"%016x","name":"documentLoad",\
        "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[\
        {"key":"session.id","value":{"stringValue":"%s"}},{"key":"url.full","value":{"stringValue":"%s"}},\
        {"key":"user_agent.original","value":{"stringValue":"%s"}}%s]}]}]}]}"""
        .formatted(sessionId.hashCode() & 0xffffffffL | 1L << 40, now, now, sessionId, url, UA, extraAttributes);
  }

  void anOrdinaryRequestIsStillServed(String sessionId) throws Exception {
    HttpResponse<byte[]> ok = post("application/json",
        request(sessionId, "https://shop.example/", "").getBytes(StandardCharsets.UTF_8), Map.of());
    assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(200);
  }

  @Test
  void deeplyNestedValuesOverHttpAre400WithAClearMessage() throws Exception {
    start(Map.of());
    // 2,000 levels of arrays in an attribute value: a recursive reader would overflow its stack.
    String deep = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
        + "{\"arrayValue\":{\"values\":[".repeat(2000) + "]}}".repeat(2000) + "}]}}]}";
    HttpResponse<byte[]> json = post("application/json", deep.getBytes(StandardCharsets.UTF_8), Map.of());
    String message = new String(json.body(), StandardCharsets.UTF_8);
    assertThat(json.statusCode()).as(message).isEqualTo(400);
    // INVALID_ARGUMENT (not retried), saying what is wrong rather than an internal error.
    assertThat(message).contains("\"code\":3").containsIgnoringCase("nesting depth");

    // The same in protobuf: AnyValue{array_value: ArrayValue{values: AnyValue{...}}} 2,000 deep,
    // as the attribute value of a resource.
    byte[] value = new byte[0];
    for (int i = 0; i < 2000; i++) value = field(5, field(1, value)); // AnyValue.array_value(5) → ArrayValue.values(1)
    byte[] request = field(1, field(1, field(1, concat(field(1, "k".getBytes(StandardCharsets.UTF_8)), field(2, value)))));
    HttpResponse<byte[]> proto = post("application/x-protobuf", request, Map.of());
    assertThat(proto.statusCode()).isEqualTo(400);
    assertThat(Status.parseFrom(proto.body()).getMessage()).startsWith("invalid OTLP protobuf");

    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"malformed\"")).isEqualTo(2);
    anOrdinaryRequestIsStillServed("after-nesting");
  }

  static byte[] protobufOf(String json) throws Exception {
    return new OtlpJsonDecoder().decode(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))).toByteArray();
  }

  static byte[] field(int number, byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, (number << 3) | 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(data);
    }
    return gz.toByteArray();
  }

  @Test
  void gzipBombsAre413OverHttpAndResourceExhaustedOverGrpc() throws Exception {
    start(Map.of("receiver.max-request-bytes", "1MiB"));
    // 10 MB of zeros (protobuf) or of JSON white space, ~10 KB compressed: far under the limit on
    // the wire, ten times over it inflated. (Zeros as JSON are refused at their first byte, 400.)
    byte[] spaces = new byte[10 << 20];
    java.util.Arrays.fill(spaces, (byte) ' ');
    spaces[0] = '{';
    Map<String, byte[]> bombs = Map.of("application/x-protobuf", gzip(new byte[10 << 20]), "application/json", gzip(spaces));
    for (Map.Entry<String, byte[]> bomb : bombs.entrySet()) {
      assertThat(bomb.getValue().length).isLessThan(20 << 10);
      long t0 = System.nanoTime();
      HttpResponse<byte[]> r = post(bomb.getKey(), bomb.getValue(), Map.of("Content-Encoding", "gzip"));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(r.statusCode()).isEqualTo(413);
      System.out.printf("gzip bomb (%d bytes → 10 MiB) as %s: 413 in %.3f s%n", bomb.getValue().length, bomb.getKey(), seconds);
    }

    // Over gRPC with grpc-encoding gzip: grpc-java bounds the inflated message by
    // maxInboundMessageSize (= receiver.max-request-bytes) while inflating.
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
    try {
      MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RAW, RAW).build();
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withCompression("gzip"),
              new byte[10 << 20]))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED));
    } finally {
      channel.shutdownNow();
    }
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"too_large\"")).isEqualTo(2);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"too_large\"")).isEqualTo(1);
    anOrdinaryRequestIsStillServed("after-bombs");
  }

  static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream in) {
      try {
        return in.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  @Test
  void hugeAttributeMapsAndValuesAreCutToTheLimitsAndCounted() throws Exception {
    // Forwarding on (to a port nothing listens on: the spans wait in the export queue), so the
    // forwarded form is built at ingest and its limits apply.
    // Consent granted: each client session id is a session of its own.
    start(Map.of("receiver.max-request-bytes", "16MiB", "export.endpoint", "http://127.0.0.1:9", "consent.default", "granted",
        "input.max-value-length", "2048", "input.max-attributes", "128"));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 100_000; i++) many.append(",{\"key\":\"a").append(i).append("\",\"value\":{\"intValue\":\"1\"}}");
    String hugeUrl = "https://shop.example/" + "p".repeat(3 << 20);

    long t0 = System.nanoTime();
    HttpResponse<byte[]> manyAttributes = post("application/json",
        request("many-attributes", "https://shop.example/", many.toString()).getBytes(StandardCharsets.UTF_8), Map.of());
    double manySeconds = (System.nanoTime() - t0) / 1e9;
    assertThat(manyAttributes.statusCode()).isEqualTo(200);

    t0 = System.nanoTime();
    HttpResponse<byte[]> hugeValue = post("application/json",
        request("huge-value", hugeUrl, "").getBytes(StandardCharsets.UTF_8), Map.of());
    double hugeSeconds = (System.nanoTime() - t0) / 1e9;
    assertThat(hugeValue.statusCode()).isEqualTo(200);

    // The same two as OTLP protobuf, read in place.
    byte[] manyProto = protobufOf(
        request("many-attributes-proto", "https://shop.example/", many.toString()));
    t0 = System.nanoTime();
    assertThat(post("application/x-protobuf", manyProto, Map.of()).statusCode()).isEqualTo(200);
    double manyProtoSeconds = (System.nanoTime() - t0) / 1e9;
    byte[] hugeProto = protobufOf(request("huge-value-proto", hugeUrl, ""));
    t0 = System.nanoTime();
    assertThat(post("application/x-protobuf", hugeProto, Map.of()).statusCode()).isEqualTo(200);
    double hugeProtoSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("100,003 attributes: JSON %.3f s (%d bytes), protobuf %.3f s (%d bytes); 3 MiB URL: JSON %.3f s, protobuf %.3f s%n",
        manySeconds, many.length(), manyProtoSeconds, manyProto.length, hugeSeconds, hugeProtoSeconds);
    // Bounded time: a few seconds at most on a shared machine (typically well under one).
    assertThat(Math.max(Math.max(manySeconds, hugeSeconds), Math.max(manyProtoSeconds, hugeProtoSeconds))).isLessThan(10);

    Scrape s = Scrape.of(processor.metricsPort());
    // Each was one human session, counted as usual.
    assertThat(s.sum("rum_sessions_started_total", "service_name=\"shop\"")).isEqualTo(4);
    assertThat(s.sum("rum_spans_received_total", "service_name=\"shop\"", "outcome=\"accepted\"")).isEqualTo(4);
    // The two 3 MiB URLs were cut for the session rules (landing page, attribution).
    assertThat(s.sum("rum_attributes_limited_total", "where=\"session\"", "action=\"truncated\"")).isEqualTo(2);
    // Forwarded: 128 attributes kept of the 100,003 of each of two spans, the rest dropped;
    // the two URLs cut.
    assertThat(s.sum("rum_attributes_limited_total", "where=\"forwarded\"", "action=\"dropped\"")).isEqualTo(2 * (100_003 - 128));
    assertThat(s.sum("rum_attributes_limited_total", "where=\"forwarded\"", "action=\"truncated\"")).isEqualTo(2);
    anOrdinaryRequestIsStillServed("after-huge");
  }
}

package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.rpc.Status;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.receive.OtlpJsonDecoder;
import io.rumsessions.processor.testing.Fixtures;
import io.rumsessions.processor.testing.ManualClock;
import io.rumsessions.processor.testing.Scrape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real HTTP and gRPC round trips against a running processor, fed with what the OpenTelemetry
 * JS web SDK really sent from Chromium, read back from /metrics.
 */
class ReceiverRoundTripTest {
  static final List<Fixtures.Post> POSTS = Fixtures.otelWebVisits();
  static final String SERVICE = "service_name=\"eval-browser-otel-16761\"";

  @TempDir Path state;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  ManualClock clock;
  RumSessionsProcessor processor;

  RumSessionsProcessor start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "session.sweep-interval", "1h", "state.dir", state.toString()));
    o.putAll(extra);
    // The clock stands a second after the captured visits, so their timestamps are recent.
    clock = new ManualClock(Fixtures.firstStartNanos(POSTS) / 1_000_000 + 1000);
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
    return processor;
  }

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  HttpResponse<byte[]> post(String contentType, byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> postFixture(Fixtures.Post p, String userAgent) throws Exception {
    return post("application/json", p.body().getBytes(StandardCharsets.UTF_8),
        Map.of("User-Agent", userAgent, "Origin", p.headers().get("Origin")));
  }

  void endAllSessions() {
    clock.advance(Duration.ofHours(1));
    processor.sweep(clock.millis());
  }

  @Test
  void realOtelWebVisitsBecomeTwoHumanSessionsAndOneBot() throws Exception {
    start(Map.of());
    for (Fixtures.Post p : POSTS) {
      HttpResponse<byte[]> r = postFixture(p, p.userAgent());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    }
    // Visitor 1 (Windows Chrome): three pages and a click. Visitor 2 (iPhone): one page.
    // Visitor 3 is Chromium's own HeadlessChrome user agent: a bot, outside session metrics.
    Scrape live = Scrape.of(processor.metricsPort());
    assertThat(live.sum("rum_sessions_started_total", SERVICE)).isEqualTo(2);
    assertThat(live.sum("rum_sessions_started_total", SERVICE, "device=\"desktop\"")).isEqualTo(1);
    assertThat(live.sum("rum_sessions_started_total", SERVICE, "device=\"mobile\"")).isEqualTo(1);
    assertThat(live.sum("rum_sessions_active", SERVICE)).isEqualTo(2);
    assertThat(live.sum("rum_spans_received_total", SERVICE, "outcome=\"accepted\"")).isEqualTo(13);
    assertThat(live.sum("rum_spans_received_total", SERVICE, "outcome=\"bot\"")).isEqualTo(3);
    assertThat(live.sum("rum_bot_sessions_total", SERVICE, "reason=\"user_agent_automation\"")).isEqualTo(1);
    assertThat(live.sum("rum_bot_spans_total", SERVICE, "reason=\"user_agent_automation\"")).isEqualTo(3);

    endAllSessions();
    Scrape done = Scrape.of(processor.metricsPort());
    assertThat(done.sum("rum_sessions_ended_total", SERVICE)).isEqualTo(2);
    assertThat(done.sum("rum_sessions_active", SERVICE)).isZero();
    assertThat(done.sum("rum_session_bounces_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_session_bounces_total", SERVICE, "device=\"mobile\"")).isEqualTo(1);
    assertThat(done.sum("rum_sessions_engaged_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_session_pageviews_sum", SERVICE)).isEqualTo(4);
    assertThat(done.sum("rum_session_pageviews_bucket", SERVICE, "le=\"1.0\"")).isEqualTo(1);
    // Duration is first to last span of any kind: visitor 1 from index.html's documentFetch to
    // p3.html's resourceFetch (2.636799999 s), visitor 2 from documentLoad to resourceFetch
    // (0.052899902 s).
    assertThat(done.sum("rum_session_duration_seconds_sum", SERVICE)).isCloseTo(2.689699901, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void withoutConsentTheCookieFreeIdSeparatesVisitorsByUserAgent() throws Exception {
    start(Map.of());
    // Visitor 1's four posts, but the last two from another browser: without consent the
    // client's session.id is ignored, so the server-side id (user agent + address) decides.
    for (int i = 0; i < 4; i++) {
      Fixtures.Post p = POSTS.get(i);
      postFixture(p, i < 2 ? p.userAgent() : "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0");
    }
    assertThat(Scrape.of(processor.metricsPort()).sum("rum_sessions_started_total", SERVICE)).isEqualTo(2);
  }

  @Test
  void withConsentTheClientSessionIdKeepsOneSession() throws Exception {
    start(Map.of("consent.default", "granted"));
    for (int i = 0; i < 4; i++) {
      Fixtures.Post p = POSTS.get(i);
      postFixture(p, i < 2 ? p.userAgent() : "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0");
    }
    assertThat(Scrape.of(processor.metricsPort()).sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
  }

  @Test
  void protobufOverHttpWithGzipAndOverGrpc() throws Exception {
    start(Map.of("consent.default", "granted"));
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    ExportTraceServiceRequest first = decoder.decode(new ByteArrayInputStream(POSTS.get(0).body().getBytes(StandardCharsets.UTF_8)));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(first.toByteArray());
    }
    HttpResponse<byte[]> r = post("application/x-protobuf", gz.toByteArray(), Map.of("Content-Encoding", "gzip"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
    assertThat(ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();

    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
    try {
      TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(channel);
      for (int i = 1; i < 4; i++) {
        ExportTraceServiceRequest req = decoder.decode(new ByteArrayInputStream(POSTS.get(i).body().getBytes(StandardCharsets.UTF_8)));
        assertThat(stub.export(req).hasPartialSuccess()).isFalse();
      }
    } finally {
      channel.shutdownNow();
    }
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
    assertThat(s.sum("rum_spans_received_total", SERVICE, "outcome=\"accepted\"")).isEqualTo(10);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"ok\"")).isEqualTo(3);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"ok\"")).isEqualTo(1);
  }

  @Test
  void grpcRequestsReadIntoAUsedArrayEndWhereTheyEnd() throws Exception {
    // The arrays gRPC requests are read into are used again. Here each request lands in the array
    // the one before left its bytes in, and those stale bytes are a valid request's spans: a reader
    // that went past its own request would count them, or refuse a valid request.
    start(Map.of("consent.default", "granted"));
    byte[] first = protobufOf(POSTS.get(0).body());
    byte[] second = protobufOf(POSTS.get(1).body());
    // Protobuf messages concatenate into one with both requests' resource spans.
    byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    int firstSpans = spanCount(first);
    int bothSpans = spanCount(both);
    assertThat(bothSpans).isEqualTo(firstSpans + spanCount(second)).isGreaterThan(firstSpans);

    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
    try {
      io.grpc.MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RAW, RAW).build();
      for (byte[] request : List.of(both, first, both, java.util.Arrays.copyOf(first, first.length - 3), first)) {
        try {
          byte[] answer = io.grpc.stub.ClientCalls.blockingUnaryCall(channel, raw, io.grpc.CallOptions.DEFAULT, request);
          assertThat(ExportTraceServiceResponse.parseFrom(answer).hasPartialSuccess()).isFalse();
        } catch (io.grpc.StatusRuntimeException e) {
          // Only the truncated one is refused: its end falls inside a span.
          assertThat(request.length).isEqualTo(first.length - 3);
          assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        }
      }
    } finally {
      channel.shutdownNow();
    }
    Scrape s = Scrape.of(processor.metricsPort());
    // The same spans sent again are recognised by their ids and counted once.
    assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).isEqualTo(bothSpans);
    assertThat(s.sum("rum_spans_received_total", "outcome=\"duplicate\"")).isEqualTo(bothSpans + 2 * firstSpans);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"ok\"")).isEqualTo(4);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"malformed\"")).isEqualTo(1);
  }

  @Test
  void grpcRequestsBeyondItsThreadsWaitTheirTurnAndAreAllAnswered() throws Exception {
    // Fewer threads than permits (receiver.grpc-threads): the requests in flight at once queue for
    // the one thread, and each is answered once its spans are durable, as with a thread each.
    Set<Thread> before = grpcThreads();
    start(Map.of("consent.default", "granted", "receiver.grpc-threads", "1", "receiver.max-concurrent-requests", "8"));
    List<byte[]> requests = new ArrayList<>();
    int spans = 0;
    for (Fixtures.Post p : POSTS) {
      byte[] request = protobufOf(p.body());
      requests.add(request);
      spans += spanCount(request);
    }
    io.grpc.MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RAW, RAW).build();
    List<ManagedChannel> channels = new ArrayList<>();
    List<ListenableFuture<byte[]>> answers = new ArrayList<>();
    try {
      for (int c = 0; c < 4; c++) {
        channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build());
      }
      // Every client sends every post at once: 24 requests on their way together.
      for (ManagedChannel channel : channels) {
        for (byte[] request : requests) {
          answers.add(io.grpc.stub.ClientCalls.futureUnaryCall(channel.newCall(raw, io.grpc.CallOptions.DEFAULT), request));
        }
      }
      for (var answer : answers) {
        assertThat(ExportTraceServiceResponse.parseFrom(answer.get(30, TimeUnit.SECONDS)).hasPartialSuccess()).isFalse();
      }
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
    Set<Thread> ours = grpcThreads();
    ours.removeAll(before);
    assertThat(ours).hasSize(1);
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"ok\"")).isEqualTo(answers.size());
    // Each span counted once, whichever client's copy came first; the other three are duplicates.
    assertThat(s.sum("rum_spans_received_total")).isEqualTo(4 * spans);
    assertThat(s.sum("rum_spans_received_total", "outcome=\"duplicate\"")).isEqualTo(3 * spans);
    assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).isPositive();
  }

  @Test
  void requestsAppliedAtOnceOnManyThreadsAreEachCountedInTheirOwnSession() throws Exception {
    // Eight clients at once on eight gRPC threads: each request is read outside the state lock
    // into scratch of its own, then placed under the lock. Mixed-up scratch would move spans
    // between sessions or lose them.
    // Behaviour rules off: a thousand pageviews in a second would make each client a bot.
    start(Map.of("consent.default", "granted", "receiver.max-concurrent-requests", "8", "bots.behaviour.enabled", "false"));
    int clients = 8;
    int requests = 10;
    int perRequest = 100;
    long startNanos = clock.millis() * 1_000_000L - 60_000_000_000L;
    io.grpc.MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RAW, RAW).build();
    ExecutorService senders = Executors.newFixedThreadPool(clients);
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      List<Future<Integer>> sent = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
        channels.add(channel);
        int client = c;
        sent.add(senders.submit(() -> {
          int ok = 0;
          for (int r = 0; r < requests; r++) {
            int from = (client * requests + r) * perRequest;
            byte[] request = protobufOf(OneClientFloodTest.batch("client-" + client, from, perRequest, startNanos));
            byte[] answer = io.grpc.stub.ClientCalls.blockingUnaryCall(channel, raw, io.grpc.CallOptions.DEFAULT, request);
            if (!ExportTraceServiceResponse.parseFrom(answer).hasPartialSuccess()) ok++;
          }
          return ok;
        }));
      }
      for (var f : sent) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(requests);
    } finally {
      senders.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
    }
    int total = clients * requests * perRequest;
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_spans_received_total")).isEqualTo(total);
    assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).isEqualTo(total);
    assertThat(processor.sessions().activeCount()).isEqualTo(clients);
    endAllSessions();
    Scrape ended = Scrape.of(processor.metricsPort());
    assertThat(ended.sum("rum_sessions_ended_total", "service_name=\"shop\"")).isEqualTo(clients);
    // Nine in ten spans of each client's are documentLoad pageviews, each counted in its session.
    assertThat(ended.sum("rum_session_pageviews_sum", "service_name=\"shop\"")).isEqualTo(total * 9 / 10);
  }

  static Set<Thread> grpcThreads() {
    Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
    threads.removeIf(t -> !t.getName().equals("otlp-grpc"));
    return threads;
  }

  static int spanCount(byte[] request) throws Exception {
    return ExportTraceServiceRequest.parseFrom(request).getResourceSpansList().stream()
        .flatMap(r -> r.getScopeSpansList().stream())
        .mapToInt(io.opentelemetry.proto.trace.v1.ScopeSpans::getSpansCount).sum();
  }

  @Test
  void badInputGetsTheOtlpStatusCodes() throws Exception {
    start(Map.of("receiver.max-request-bytes", "64KiB"));
    HttpResponse<byte[]> unsupported = post("text/plain", "hello".getBytes(), Map.of());
    assertThat(unsupported.statusCode()).isEqualTo(415);

    HttpResponse<byte[]> badJson = post("application/json", "{\"resourceSpans\":[{\"scopeSpans\":7}]}".getBytes(), Map.of());
    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(new String(badJson.body(), StandardCharsets.UTF_8))
        .contains("\"code\":3").contains("resourceSpans[0].scopeSpans: expected an array");

    HttpResponse<byte[]> badProto = post("application/x-protobuf", new byte[] {(byte) 0xff, 0x01, 0x02}, Map.of());
    assertThat(badProto.statusCode()).isEqualTo(400);
    assertThat(Status.parseFrom(badProto.body()).getMessage()).startsWith("invalid OTLP protobuf");

    String huge = POSTS.get(0).body().replace("\"documentFetch\"", "\"" + "x".repeat(10 * 1024 * 1024) + "\"");
    assertThat(post("application/json", huge.getBytes(StandardCharsets.UTF_8), Map.of()).statusCode()).isEqualTo(413);

    // A gzip bomb: 10 MB of JSON white space compresses to a few KB, under the limit, and must
    // still be refused once it inflates past the limit.
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write('{');
      out.write(" ".repeat(10 * 1024 * 1024).getBytes(StandardCharsets.US_ASCII));
      out.write('}');
    }
    assertThat(gz.size()).isLessThan(64 * 1024);
    assertThat(post("application/json", gz.toByteArray(), Map.of("Content-Encoding", "gzip")).statusCode()).isEqualTo(413);

    HttpResponse<byte[]> notGzip = post("application/json", "{}".getBytes(), Map.of("Content-Encoding", "gzip"));
    assertThat(notGzip.statusCode()).isEqualTo(400);

    // Over gRPC, bytes that are not a request (a span's length running past its resource's end)
    // are refused whole with INVALID_ARGUMENT, which OTLP clients do not retry.
    byte[] truncated = java.util.Arrays.copyOf(protobufOf(POSTS.get(0).body()), 40);
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
    try {
      io.grpc.MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RAW, RAW).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel, raw,
              io.grpc.CallOptions.DEFAULT, truncated))
          .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).startsWith("invalid OTLP protobuf: ").contains("past the end");
          });
    } finally {
      channel.shutdownNow();
    }

    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_receiver_requests_total", "outcome=\"too_large\"")).isEqualTo(2);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"grpc\"", "outcome=\"malformed\"")).isEqualTo(1);
    assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"malformed\"")).isEqualTo(3);
    assertThat(s.sum("rum_receiver_requests_total", "outcome=\"unsupported_media_type\"")).isEqualTo(1);
    assertThat(processor.admission().onTheirWay()).isZero();
  }

  static final io.grpc.MethodDescriptor.Marshaller<byte[]> RAW = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream in) {
      try {
        return in.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  static byte[] protobufOf(String json) throws Exception {
    return new OtlpJsonDecoder().decode(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))).toByteArray();
  }

  static String span(String traceId, String spanId, long startNanos) {
    return "{\"traceId\":\"" + traceId + "\",\"spanId\":\"" + spanId + "\",\"name\":\"documentLoad\","
        + "\"startTimeUnixNano\":\"" + startNanos + "\",\"endTimeUnixNano\":\"" + startNanos + "\","
        + "\"attributes\":[{\"key\":\"session.id\",\"value\":{\"stringValue\":\"s1\"}}]}";
  }

  @Test
  void absurdTimestampsAndMissingIdsAreCountedAsPartialSuccess() throws Exception {
    start(Map.of());
    long now = clock.millis() * 1_000_000L;
    String trace = "5b0df6b3e1b3101898f704aa91c0a432";
    String body = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},"
        + "\"scopeSpans\":[{\"spans\":[" + String.join(",",
            span(trace, "52c63bc2b8af77a7", 1000),                  // 1970
            span(trace, "52c63bc2b8af77a8", 4102444800000000000L),  // 2100
            span(trace, "", now),                                   // no span id
            span(trace, "52c63bc2b8af77a9", now))                   // fine
        + "]}]}]}";
    HttpResponse<byte[]> r = post("application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"rejectedSpans\":\"3\"");
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_spans_received_total", "service_name=\"shop\"", "outcome=\"invalid_timestamp\"")).isEqualTo(2);
    assertThat(s.sum("rum_spans_received_total", "service_name=\"shop\"", "outcome=\"invalid\"")).isEqualTo(1);
    assertThat(s.sum("rum_spans_received_total", "service_name=\"shop\"", "outcome=\"accepted\"")).isEqualTo(1);
    assertThat(s.sum("rum_sessions_active", "service_name=\"shop\"")).isZero();
    // The accepted span carries no user agent: the session is counted when it ends.
    endAllSessions();
    assertThat(Scrape.of(processor.metricsPort()).sum("rum_sessions_started_total", "service_name=\"shop\"", "device=\"other\"")).isEqualTo(1);
  }

  @Test
  void overloadAnswers429WithRetryAfterAndGrpcUnavailable() throws Exception {
    start(Map.of("receiver.max-concurrent-requests", "1"));
    assertThat(processor.admission().tryAcquire()).isTrue();
    try {
      HttpResponse<byte[]> r = postFixture(POSTS.get(0), POSTS.get(0).userAgent());
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
      try {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TraceServiceGrpc.newBlockingStub(channel)
                .export(ExportTraceServiceRequest.getDefaultInstance()))
            .hasMessageContaining("UNAVAILABLE");
      } finally {
        channel.shutdownNow();
      }
    } finally {
      processor.admission().release();
    }
    assertThat(postFixture(POSTS.get(0), POSTS.get(0).userAgent()).statusCode()).isEqualTo(200);
    // Refused or applied, no request is still counted on its way to the log (the group commit
    // would wait for it before every fsync).
    assertThat(processor.admission().onTheirWay()).isZero();
  }

  @Test
  void corsPreflightForBrowsersPostingDirectly() throws Exception {
    start(Map.of("receiver.cors.allowed-origins", "https://shop.example"));
    HttpRequest preflight = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .build();
    HttpResponse<Void> ok = http.send(preflight, HttpResponse.BodyHandlers.discarding());
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    assertThat(ok.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    assertThat(ok.headers().firstValue("Access-Control-Allow-Headers").orElse("")).containsIgnoringCase("content-type");

    HttpRequest other = HttpRequest.newBuilder(preflight.uri())
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .build();
    HttpResponse<Void> refused = http.send(other, HttpResponse.BodyHandlers.discarding());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void sessionsAreAttributedAtStartAndConversionsCountedByChannel(@TempDir Path config) throws Exception {
    java.nio.file.Path yaml = config.resolve("rum.yaml");
    java.nio.file.Files.writeString(yaml, """
        conversions:
          - {name: checkout, url-path: /p3.html, span-name: documentLoad}
          - {name: buy_click, span-name: click, attribute: target_xpath, value: '//*[@id="buy"]'}
        """);
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "session.sweep-interval", "1h", "state.dir", state.toString()));
    clock = new ManualClock(Fixtures.firstStartNanos(POSTS) / 1_000_000 + 1000);
    processor = new RumSessionsProcessor(ConfigLoader.load(yaml, o), clock).start();
    for (Fixtures.Post p : POSTS) postFixture(p, p.userAgent());
    Scrape s = Scrape.of(processor.metricsPort());
    // Visitor 1 landed on ?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale: paid search.
    assertThat(s.sum("rum_sessions_started_total", SERVICE, "channel=\"paid_search\"")).isEqualTo(1);
    assertThat(s.sum("rum_campaign_sessions_total", SERVICE, "source=\"google\"", "medium=\"cpc\"", "campaign=\"spring_sale\"")).isEqualTo(1);
    // Visitor 2 came with no referrer and no campaign: direct.
    assertThat(s.sum("rum_sessions_started_total", SERVICE, "channel=\"direct\"")).isEqualTo(1);
    assertThat(s.sum("rum_conversions_total", SERVICE, "conversion=\"checkout\"", "channel=\"paid_search\"")).isEqualTo(1);
    assertThat(s.sum("rum_conversions_total", SERVICE, "conversion=\"buy_click\"", "channel=\"paid_search\"")).isEqualTo(1);
    endAllSessions();
    Scrape done = Scrape.of(processor.metricsPort());
    assertThat(done.sum("rum_sessions_engaged_total", SERVICE, "channel=\"paid_search\"")).isEqualTo(1);
    assertThat(done.sum("rum_session_bounces_total", SERVICE, "channel=\"direct\"")).isEqualTo(1);
    // Per campaign: the spring sale's session ended without bouncing and converted twice.
    String spring = "campaign=\"spring_sale\"";
    assertThat(done.sum("rum_campaign_sessions_ended_total", SERVICE, spring)).isEqualTo(1);
    assertThat(done.sum("rum_campaign_bounces_total", SERVICE, spring)).isZero();
    assertThat(done.sum("rum_campaign_bounces_total", SERVICE, "source=\"(direct)\"")).isEqualTo(1);
    assertThat(done.sum("rum_campaign_conversions_total", SERVICE, spring)).isEqualTo(2);
  }
}

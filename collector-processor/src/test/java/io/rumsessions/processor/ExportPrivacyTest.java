package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.testing.Fixtures;
import io.rumsessions.processor.testing.ManualClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What leaves the process over OTLP: the session span per ended session, the received spans
 * with the session the processor assigned, and — without consent — nothing personal.
 */
class ExportPrivacyTest {
  static final String RAW_CLIENT_ID = "52bd195b8b7ae6684ea2b3a00d279b65";
  static final String EMAIL = "alice@example.com";
  static final String IP = "203.0.113.7";
  static final String USER_ID = "user-42";
  /** The previous page of the site, with its query: what a browser sends as the referrer. */
  static final String REFERRER = "https://shop.example/checkout?email=" + EMAIL.replace("@", "%40") + "&utm_source=newsletter#top";

  @TempDir Path state;
  final List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
  Server backend;
  RumSessionsProcessor processor;
  ManualClock clock;

  @BeforeEach
  void startBackend() throws Exception {
    backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
            received.add(request);
            response.onNext(ExportTraceServiceResponse.getDefaultInstance());
            response.onCompleted();
          }
        }).build().start();
  }

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
    backend.shutdownNow();
  }

  void start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1", "session.sweep-interval", "1h",
        "state.dir", state.toString(), "export.endpoint", "http://127.0.0.1:" + backend.getPort()));
    o.putAll(extra);
    clock = new ManualClock(Fixtures.firstStartNanos(Fixtures.otelWebVisits()) / 1_000_000 + 1000);
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
  }

  /** The fixture posts, with personal data a careless page might add to visitor 1's spans. */
  void postVisits() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (Fixtures.Post p : Fixtures.otelWebVisits()) {
      String body = p.body()
          .replace("\"key\":\"session.id\"", "\"key\":\"client.address\",\"value\":{\"stringValue\":\"" + IP + "\"}},"
              + "{\"key\":\"user.id\",\"value\":{\"stringValue\":\"" + USER_ID + "\"}},"
              + "{\"key\":\"page.referrer\",\"value\":{\"stringValue\":\"" + REFERRER + "\"}},{\"key\":\"session.id\"")
          .replace("index.html?utm_source", "index.html?email=" + EMAIL.replace("@", "%40") + "&utm_source");
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
          .header("Content-Type", "application/json").header("User-Agent", p.userAgent()).header("Origin", p.headers().get("Origin"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    clock.advance(Duration.ofHours(1));
    processor.sweep(clock.millis());
  }

  List<Span> exportedSpans(int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<Span> spans = spans();
      if (spans.size() >= atLeast) return spans;
      Thread.sleep(100);
    }
    return spans();
  }

  List<Span> spans() {
    List<Span> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : received) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) out.addAll(ss.getSpansList());
      }
    }
    return out;
  }

  static String attr(Span s, String key) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        String text = InputMapping.stringOf(kv.getValue());
        return text != null ? text : kv.getValue().toString();
      }
    }
    return null;
  }

  @Test
  void withoutConsentNothingPersonalIsExported() throws Exception {
    start(Map.of());
    postVisits();
    // 16 received spans forwarded (the bot's marked, not dropped) + 2 human session spans.
    List<Span> spans = exportedSpans(18);
    assertThat(spans).hasSize(18);
    String everything = received.toString();
    assertThat(everything).doesNotContain(RAW_CLIENT_ID).doesNotContain(EMAIL).doesNotContain("alice%40example.com")
        .doesNotContain(IP).doesNotContain(USER_ID);

    List<Span> forwarded = spans.stream().filter(s -> !s.getName().equals("session")).toList();
    assertThat(forwarded).allSatisfy(s -> assertThat(attr(s, "session.id")).matches("[0-9a-f]{32}"));
    assertThat(forwarded).filteredOn(s -> s.getName().equals("documentLoad"))
        .extracting(s -> attr(s, "url.full"))
        .contains("http://127.0.0.1:20453/index.html?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale");
    assertThat(forwarded).filteredOn(s -> "bot".equals(attr(s, "user_agent.synthetic.type"))).hasSize(3);
    assertThat(forwarded).extracting(s -> attr(s, "page.referrer")).containsOnly("https://shop.example/checkout?utm_source=newsletter");

    Span visitor1 = spans.stream().filter(s -> s.getName().equals("session") && "3".equals(attr(s, "rum.session.pageviews"))).findFirst().orElseThrow();
    assertThat(attr(visitor1, "rum.session.landing_page")).isEqualTo("/index.html");
    assertThat(attr(visitor1, "rum.session.exit_page")).isEqualTo("/p3.html");
    assertThat(attr(visitor1, "rum.session.bounce")).isEqualTo("false");
    assertThat(attr(visitor1, "rum.session.device")).isEqualTo("desktop");
    assertThat(visitor1.getEndTimeUnixNano() - visitor1.getStartTimeUnixNano()).isEqualTo(2_636_799_999L);
    // Every forwarded span of visitor 1 carries the session span's id, numbered in order.
    String id = attr(visitor1, "session.id");
    assertThat(forwarded.stream().filter(s -> id.equals(attr(s, "session.id"))).count()).isEqualTo(10);
  }

  @Test
  void withConsentTheClientIdAndUserIdAreKeptForStitching() throws Exception {
    start(Map.of("consent.default", "granted"));
    postVisits();
    List<Span> spans = exportedSpans(18);
    assertThat(spans.stream().filter(s -> RAW_CLIENT_ID.equals(attr(s, "session.id"))).count()).isEqualTo(10 + 1);
    assertThat(received.toString()).contains(USER_ID);
    assertThat(spans).filteredOn(s -> !s.getName().equals("session")).extracting(s -> attr(s, "page.referrer")).containsOnly(REFERRER);
  }

  @Test
  void botSpansCanBeDropped() throws Exception {
    start(Map.of("bots.action", "drop"));
    postVisits();
    List<Span> spans = exportedSpans(15);
    Thread.sleep(500);
    assertThat(spans()).hasSize(15);
    assertThat(spans()).noneMatch(s -> "bot".equals(attr(s, "user_agent.synthetic.type")));
  }

  /** A backend server span in the same trace as a browser fetch span, as the agent exports it. */
  static String backendBatch(String traceId, long startNanos, boolean error) {
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout-api"}}]},
        "scopeSpans":[{"spans":[{"traceId":"%s","spanId":"%016x","parentSpanId":"bbbbbbbbbbbbbbb1",
        "name":"POST /api/cart","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d",
        "attributes":[{"key":"client.address","value":{"stringValue":"%s"}}],
        "status":{"code":%d}}]}]}]}
        """.formatted(traceId, startNanos, startNanos, startNanos + 5_000_000, IP, error ? 2 : 0);
  }

  @Test
  void backendSpansJoinTheBrowserSessionOfTheirTraceAndAreCountedOnIt() throws Exception {
    start(Map.of("consent.default", "granted"));
    long t = Fixtures.firstStartNanos(Fixtures.otelWebVisits());
    String fetchTrace = "0af7651916cd43dd8448eb211c80319c";
    String browser = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
        "scopeSpans":[{"spans":[
        {"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"52c63bc2b8af77a7","name":"documentLoad","kind":1,
         "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"session.id","value":{"stringValue":"s-1"}},
         {"key":"user_agent.original","value":{"stringValue":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"}},
         {"key":"user.id","value":{"stringValue":"%s"}},{"key":"session.previous_id","value":{"stringValue":"s-0"}}]},
        {"traceId":"%s","spanId":"b7ad6b7169203331","name":"HTTP POST","kind":3,
         "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"session.id","value":{"stringValue":"s-1"}}]}]}]}]}
        """.formatted(t, t, USER_ID, fetchTrace, t + 1_000_000_000L, t + 1_100_000_000L);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (String body : List.of(browser, backendBatch(fetchTrace, t + 1_010_000_000L, false),
        backendBatch(fetchTrace, t + 1_020_000_000L, true), backendBatch("1af7651916cd43dd8448eb211c80319c", t, false))) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    var metrics = io.rumsessions.processor.testing.Scrape.of(processor.metricsPort());
    assertThat(metrics.sum("rum_backend_spans_total", "service_name=\"checkout-api\"", "outcome=\"attributed\"")).isEqualTo(2);
    assertThat(metrics.sum("rum_backend_spans_total", "service_name=\"checkout-api\"", "outcome=\"unattributed\"")).isEqualTo(1);
    // Backend spans never make sessions of their own.
    assertThat(metrics.sum("rum_sessions_started_total")).isEqualTo(1);
    clock.advance(Duration.ofHours(1));
    processor.sweep(clock.millis());

    List<Span> spans = exportedSpans(6);
    Span session = spans.stream().filter(s -> s.getName().equals("session")).findFirst().orElseThrow();
    assertThat(attr(session, "session.id")).isEqualTo("s-1");
    assertThat(attr(session, "rum.session.backend_requests")).isEqualTo("2");
    assertThat(attr(session, "rum.session.backend_errors")).isEqualTo("1");
    assertThat(attr(session, "session.previous_id")).isEqualTo("s-0");
    assertThat(attr(session, "user.id")).isEqualTo(USER_ID);
    assertThat(spans).filteredOn(s -> s.getName().equals("POST /api/cart") && "s-1".equals(attr(s, "session.id"))).hasSize(2);
  }
}

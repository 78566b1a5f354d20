package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.receive.OtlpJsonDecoder;
import io.rumsessions.processor.testing.Fixtures;
import io.rumsessions.processor.testing.ManualClock;
import io.rumsessions.processor.testing.Scrape;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #19 item 2: the OpenTelemetry JS web SDK puts {@code user_agent.original} on its
 * {@code documentLoad} span only. Posted by a relay (an OTLP client or a Collector without the
 * example's {@code resource/browser}: no Origin header, nothing put on the resource) and without
 * consent, the spans without it used to be keyed by a cookie-free id derived without an agent: a
 * session of their own. Here the real captured posts are sent that way, as JSON over HTTP and as
 * protobuf over gRPC.
 */
class RelayedSpansWithoutUserAgentTest {
  static final List<Fixtures.Post> POSTS = Fixtures.otelWebVisits();
  static final String SERVICE = "service_name=\"eval-browser-otel-16761\"";
  static final String WITHOUT_AGENT = "rum_spans_keyed_without_user_agent_total";

  @TempDir Path state;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  ManualClock clock;
  RumSessionsProcessor processor;

  void start() throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "session.sweep-interval", "1h", "state.dir", state.toString(),
        // No consent: the session key is the cookie-free id, which includes the user agent.
        "consent.default", "denied"));
    clock = new ManualClock(Fixtures.firstStartNanos(POSTS) / 1_000_000 + 1000);
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
  }

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  /** As a relay posts: no Origin, and its own User-Agent, which must not stand in for the browser's. */
  void relay(Fixtures.Post p) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces"))
        .header("Content-Type", "application/json")
        .header("User-Agent", "OpenTelemetry Collector Contrib/0.161.0 (linux/amd64)")
        .POST(HttpRequest.BodyPublishers.ofString(p.body()))
        .build();
    HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{}");
  }

  Scrape scrape() {
    return Scrape.of(processor.metricsPort());
  }

  void endAllSessions() {
    clock.advance(Duration.ofHours(1));
    processor.sessions().sweep(clock.millis());
  }

  @Test
  void aPageLoadBatchIsOneSessionNotTwo() throws Exception {
    start();
    // documentFetch, resourceFetch, then documentLoad with the agent: one page load.
    relay(POSTS.get(0));
    Scrape s = scrape();
    assertThat(s.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
    assertThat(s.sum("rum_sessions_started_total", SERVICE, "device=\"desktop\"")).isEqualTo(1);
    assertThat(s.sum("rum_spans_received_total", SERVICE, "outcome=\"accepted\"")).isEqualTo(3);
    // Every span found its agent in the request: none keyed without one, and the series exists at 0.
    assertThat(s.text()).contains(WITHOUT_AGENT + "{" + SERVICE + "} 0.0");

    endAllSessions();
    Scrape done = scrape();
    assertThat(done.sum("rum_sessions_ended_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_session_bounces_total", SERVICE)).isEqualTo(1);
    // The session runs from documentFetch to resourceFetch (30.8 ms), not from documentLoad alone (0).
    assertThat(done.sum("rum_session_duration_seconds_sum", SERVICE)).isCloseTo(0.030799805, Offset.offset(1e-6));
  }

  @Test
  void aPageviewThenAClickBatchIsOneSessionThatDidNotBounce() throws Exception {
    start();
    relay(POSTS.get(0));
    // The click travels alone, with no agent anywhere in its request: it joins the session last
    // started at its address, and is counted as keyed without an agent of its own.
    relay(POSTS.get(1));
    Scrape s = scrape();
    assertThat(s.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
    assertThat(s.sum(WITHOUT_AGENT, SERVICE)).isEqualTo(1);

    endAllSessions();
    Scrape done = scrape();
    assertThat(done.sum("rum_sessions_ended_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_session_bounces_total", SERVICE)).isZero();
  }

  @Test
  void aClickWithNoSessionToJoinIsKeyedWithoutAnAgentAndCounted() throws Exception {
    start();
    relay(POSTS.get(1));
    assertThat(scrape().sum(WITHOUT_AGENT, SERVICE)).isEqualTo(1);
    // A session that never showed an agent is counted when it ends, as a human on device other.
    endAllSessions();
    Scrape done = scrape();
    assertThat(done.sum("rum_sessions_ended_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_sessions_ended_total", SERVICE, "device=\"other\"")).isEqualTo(1);
  }

  @Test
  void theRealVisitsRelayedCountAsWhenBrowsersPostDirectly() throws Exception {
    start();
    for (Fixtures.Post p : POSTS) relay(p);
    // The numbers of ReceiverRoundTripTest.realOtelWebVisitsBecomeTwoHumanSessionsAndOneBot, where
    // the browsers posted directly: visitor 1 (three pages and a click), visitor 2 (one page),
    // visitor 3 a bot by its HeadlessChrome agent, whose agent-less spans are bot spans too.
    Scrape live = scrape();
    assertThat(live.sum("rum_sessions_started_total", SERVICE)).isEqualTo(2);
    assertThat(live.sum("rum_sessions_started_total", SERVICE, "device=\"desktop\"")).isEqualTo(1);
    assertThat(live.sum("rum_sessions_started_total", SERVICE, "device=\"mobile\"")).isEqualTo(1);
    assertThat(live.sum("rum_spans_received_total", SERVICE, "outcome=\"accepted\"")).isEqualTo(13);
    assertThat(live.sum("rum_spans_received_total", SERVICE, "outcome=\"bot\"")).isEqualTo(3);
    assertThat(live.sum(WITHOUT_AGENT, SERVICE)).isEqualTo(1);

    endAllSessions();
    Scrape done = scrape();
    assertThat(done.sum("rum_sessions_ended_total", SERVICE)).isEqualTo(2);
    assertThat(done.sum("rum_session_bounces_total", SERVICE)).isEqualTo(1);
    assertThat(done.sum("rum_session_pageviews_sum", SERVICE)).isEqualTo(4);
    assertThat(done.sum("rum_session_duration_seconds_sum", SERVICE)).isCloseTo(2.689699901, Offset.offset(1e-6));
  }

  @Test
  void overGrpcEachVisitorsPageLoadIsOneSession() throws Exception {
    start();
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", processor.grpcPort()).usePlaintext().build();
    try {
      TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(channel);
      // The first page load of visitor 1 (desktop) and of visitor 2 (mobile): protobuf read in place.
      for (int i : new int[] {0, 4}) {
        ExportTraceServiceRequest req = decoder.decode(new ByteArrayInputStream(POSTS.get(i).body().getBytes(StandardCharsets.UTF_8)));
        assertThat(stub.export(req).hasPartialSuccess()).isFalse();
      }
    } finally {
      channel.shutdownNow();
    }
    Scrape s = scrape();
    assertThat(s.sum("rum_sessions_started_total", SERVICE)).isEqualTo(2);
    assertThat(s.sum("rum_sessions_started_total", SERVICE, "device=\"desktop\"")).isEqualTo(1);
    assertThat(s.sum("rum_sessions_started_total", SERVICE, "device=\"mobile\"")).isEqualTo(1);
    assertThat(s.sum(WITHOUT_AGENT, SERVICE)).isZero();
    endAllSessions();
    assertThat(scrape().sum("rum_session_bounces_total", SERVICE)).isEqualTo(2);
  }
}

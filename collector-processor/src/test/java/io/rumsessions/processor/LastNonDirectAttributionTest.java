package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.testing.ManualClock;
import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GA4's last non-direct attribution through /metrics: a consented visitor with a user.id who
 * came from a campaign and returns direct is counted under that campaign, within the lookback,
 * and never without consent; the remembered campaign survives a SIGKILL.
 */
class LastNonDirectAttributionTest {
  private static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";
  private static final AtomicLong IDS = new AtomicLong(0x1000);

  @TempDir
  Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  ManualClock clock;
  RumSessionsProcessor processor;

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  void start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "session.sweep-interval", "1h", "state.dir", dir.resolve("state").toString(),
        "input.max-clock-skew", "1000d"));
    o.putAll(extra);
    clock = new ManualClock(System.currentTimeMillis());
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
  }

  static String visit(String sessionId, String userId, boolean consent, String query, long nowMillis) {
    long t = nowMillis * 1_000_000L;
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}%s]},
        "scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","name":"documentLoad","startTimeUnixNano":"%d","endTimeUnixNano":"%d",
        "attributes":[{"key":"session.id","value":{"stringValue":"%s"}},{"key":"user.id","value":{"stringValue":"%s"}},
        {"key":"url.full","value":{"stringValue":"https://shop.example/%s"}},
        {"key":"user_agent.original","value":{"stringValue":"%s"}}]}]}]}]}
        """.formatted(consent ? ",{\"key\":\"consent.analytics\",\"value\":{\"stringValue\":\"granted\"}}" : "",
        IDS.incrementAndGet(), IDS.incrementAndGet(), t, t + 1000, sessionId, userId, query, UA);
  }

  int post(int httpPort, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  void later(Duration d) {
    clock.advance(d);
    processor.sweep(clock.millis());
  }

  double started(String channel) {
    return Scrape.of(processor.metricsPort()).sum("rum_sessions_started_total", "service_name=\"shop\"", "channel=\"" + channel + "\"");
  }

  @Test
  void aDirectReturnTakesTheCampaignWithinTheLookbackAndOnlyWithConsent() throws Exception {
    start(Map.of("attribution.last-non-direct.lookback", "30d"));
    int port = processor.httpPort();
    assertThat(post(port, visit("s1", "alice", true, "?utm_source=newsletter&utm_medium=email&utm_campaign=winter", clock.millis()))).isEqualTo(200);
    later(Duration.ofDays(2));
    assertThat(post(port, visit("s2", "alice", true, "", clock.millis()))).isEqualTo(200);
    // Without consent the user.id is not read: direct.
    assertThat(post(port, visit("s3", "alice", false, "", clock.millis()))).isEqualTo(200);
    // Another visitor: direct.
    assertThat(post(port, visit("s4", "bob", true, "", clock.millis()))).isEqualTo(200);
    later(Duration.ofDays(29));
    // 31 days after the campaign: past the lookback.
    assertThat(post(port, visit("s5", "alice", true, "", clock.millis()))).isEqualTo(200);

    assertThat(started("email")).isEqualTo(2);
    assertThat(started("direct")).isEqualTo(3);
    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_campaign_sessions_total", "campaign=\"winter\"")).isEqualTo(2);
    assertThat(s.sum("rum_sessions_last_non_direct_total", "service_name=\"shop\"")).isEqualTo(1);
  }

  @Test
  void turnedOffEveryDirectVisitIsDirect() throws Exception {
    start(Map.of("attribution.last-non-direct.enabled", "false"));
    int port = processor.httpPort();
    post(port, visit("s1", "alice", true, "?utm_source=newsletter&utm_medium=email&utm_campaign=winter", clock.millis()));
    later(Duration.ofDays(1));
    post(port, visit("s2", "alice", true, "", clock.millis()));
    assertThat(started("email")).isEqualTo(1);
    assertThat(started("direct")).isEqualTo(1);
  }

  @Test
  void theRememberedCampaignSurvivesACrash() throws Exception {
    String[] flags = {"--state-dir", dir.resolve("crash").toString(), "--set", "state.checkpoint-interval=0s"};
    ProcessorProcess first = ProcessorProcess.start(dir.resolve("first.log"), flags);
    assertThat(post(first.httpPort, visit("c1", "carol", true, "?utm_source=google&utm_medium=cpc&utm_campaign=brand",
        System.currentTimeMillis()))).isEqualTo(200);
    first.kill();
    try (ProcessorProcess second = ProcessorProcess.start(dir.resolve("second.log"), flags)) {
      // A new session of the same visitor (another session id), direct.
      assertThat(post(second.httpPort, visit("c2", "carol", true, "", System.currentTimeMillis()))).isEqualTo(200);
      Scrape s = Scrape.of(second.metricsPort);
      assertThat(s.sum("rum_sessions_started_total", "channel=\"paid_search\"")).isEqualTo(2);
      assertThat(s.sum("rum_sessions_started_total", "channel=\"direct\"")).isZero();
    }
  }
}

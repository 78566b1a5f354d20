package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rumsessions.e2e.WebSdkVisits.Kind;
import io.rumsessions.e2e.WebSdkVisits.Plan;
import io.rumsessions.e2e.WebSdkVisits.Post;
import io.rumsessions.e2e.WebSdkVisits.Visit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-out deployment, end to end, with real parts only: a Collector contrib distribution
 * built with ocb ({@code e2e/collector/build.sh}) runs the config the processor README ships
 * ({@code collector-processor/examples/collector-loadbalancing.yaml}), receives what the
 * OpenTelemetry JS web SDK sends, and load-balances it on {@code session.id} over two
 * processors; a Prometheus (Debian package) scrapes both, and every assertion reads Prometheus'
 * HTTP API, as a dashboard or an alert would.
 *
 * <p>Proves: the counts Prometheus holds (sessions, bounces, engaged, pageviews, durations,
 * devices, bot sessions) equal what was sent; no session was split across the instances (the
 * starts summed over both equal the distinct session ids); both instances got sessions; the
 * Collector's CORS answers a browser preflight; its load balancer saw both backends.
 */
class CollectorLoadBalancingE2ETest {
  static final String SERVICE = "rum-e2e-shop";
  static final String ORIGIN = "https://shop.example.test";
  static final int HUMANS = 40;
  static final int BOTS = 3;
  static final Duration TIMEOUT = Duration.ofSeconds(3);
  static final double ENGAGED_AFTER_SECONDS = 10;

  @TempDir static Path dir;

  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static E2eStack stack;
  static PrometheusApi prom;
  static Plan plan;
  static final Map<String, Integer> postStatuses = new LinkedHashMap<>();

  @BeforeAll
  @Timeout(value = 40, unit = TimeUnit.MINUTES) // a cold ocb build takes minutes on 2 cores
  static void buildStartFeedAndWait() throws Exception {
    stack = new E2eStack(dir);
    stack.start(Map.of(
        "consent.default", "granted",
        "session.inactivity-timeout", TIMEOUT.toSeconds() + "s",
        "session.engaged-after", (int) ENGAGED_AFTER_SECONDS + "s"), ORIGIN);
    prom = stack.prom;

    // 40 people (10 of each kind) and 3 headless bots, the first event 1 s from now. Each request
    // is posted when its spans have ended, as a browser does: posting the visits all at once
    // let the Collector's concurrent exporter queues reorder two requests of one visitor that
    // were seconds apart in event time, which splits a session (seen once in CI: 41 sessions).
    List<Kind> kinds = new ArrayList<>();
    Kind[] humanKinds = {Kind.THREE_PAGES_AND_CLICK, Kind.LANDING_AND_CLICK, Kind.TWO_PAGES, Kind.IPHONE_BOUNCE};
    for (int i = 0; i < HUMANS; i++) kinds.add(humanKinds[i % humanKinds.length]);
    for (int i = 0; i < BOTS; i++) kinds.add(5 + 15 * i, Kind.HEADLESS_BOT);
    plan = WebSdkVisits.load(stack.repo.resolve("collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl"))
        .plan(kinds, SERVICE, System.currentTimeMillis() * 1_000_000L + 1_000_000_000L, new Random());
    for (Post p : plan.posts()) {
      long wait = p.sendAtNanos() / 1_000_000L - System.currentTimeMillis();
      if (wait > 0) Thread.sleep(wait);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(collectorUri("/v1/traces"))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .header("Origin", ORIGIN)
          .header("User-Agent", p.userAgent())
          .POST(HttpRequest.BodyPublishers.ofString(p.body(), StandardCharsets.UTF_8)).build(),
          HttpResponse.BodyHandlers.ofString());
      postStatuses.merge(Integer.toString(r.statusCode()), 1, Integer::sum);
    }

    // Sessions end timeout + lateness after their last span arrived; then Prometheus scrapes.
    long humans = visits(false).size();
    stack.waitFor("Prometheus to see " + humans + " ended sessions and " + BOTS + " bot sessions", Duration.ofSeconds(60), () -> {
      stack.collector.assertAlive();
      stack.prometheus.assertAlive();
      return prom.scalar("sum(rum_sessions_ended_total)") >= humans
          && prom.scalar("sum(rum_bot_sessions_total)") >= BOTS
          && prom.scalar("count(up{job=\"rum-sessions\"} == 1)") == 2
          && prom.scalar("sum(rum_sessions_active)") == 0;
    });
    Thread.sleep(2_500); // two more scrapes: anything that would still change shows up
    System.out.println("sessions started per processor: "
        + prom.vector("sum by (instance) (rum_sessions_started_total)")
        + ", spans by outcome: " + prom.vector("sum by (instance, outcome) (rum_spans_received_total)")
        + ", requests by outcome: " + prom.vector("sum by (instance, outcome) (rum_receiver_requests_total)"));
  }

  @AfterAll
  static void stopEverything() {
    if (stack != null) stack.close();
  }

  @Test
  void everyPostWasAcceptedByTheCollector() {
    assertThat(postStatuses).as("HTTP status → posts").containsOnlyKeys("200");
    assertThat(postStatuses.get("200")).isEqualTo(plan.posts().size());
  }

  @Test
  void prometheusHoldsTheSessionsBouncesEngagementAndPageviewsThatWereSent() {
    List<Visit> humans = visits(false);
    assertThat(humans).hasSize(HUMANS);
    assertThat(q("sum(rum_sessions_ended_total)")).as("sessions ended").isEqualTo(HUMANS);
    assertThat(q("sum(rum_session_bounces_total)")).as("bounces")
        .isEqualTo(humans.stream().filter(Visit::bounce).count()).isEqualTo(10);
    assertThat(q("sum(rum_sessions_engaged_total)")).as("engaged sessions")
        .isEqualTo(humans.stream().filter(v -> v.engaged(ENGAGED_AFTER_SECONDS)).count());
    assertThat(q("sum(rum_session_pageviews_sum)")).as("pageviews")
        .isEqualTo(humans.stream().mapToInt(Visit::pageviews).sum()).isEqualTo(70);
    assertThat(q("sum(rum_session_pageviews_count)")).isEqualTo(HUMANS);
    // `> 0`: a service's series exist at zero for every channel and device from its first span on.
    assertThat(prom.vector("sum by (device) (rum_sessions_ended_total) > 0"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("{device=\"desktop\"}", 30.0, "{device=\"mobile\"}", 10.0));
    assertThat(prom.vector("sum by (service_name) (rum_sessions_started_total)"))
        .containsExactlyEntriesOf(Map.of("{service_name=\"" + SERVICE + "\"}", (double) HUMANS));
  }

  @Test
  void durationsAreLastMinusFirstEventTime() {
    List<Visit> humans = visits(false);
    double expected = humans.stream().mapToDouble(Visit::durationSeconds).sum();
    // Each duration is exact to the nanosecond; the tolerance is for float sums only.
    assertThat(q("sum(rum_session_duration_seconds_sum)")).as("session seconds").isCloseTo(expected, within(0.001 * HUMANS));
    assertThat(q("sum(rum_session_duration_seconds_count)")).isEqualTo(HUMANS);
    // Bounces of one page last the page's own spans (under a second); multi-page visits more.
    double longest = humans.stream().mapToDouble(Visit::durationSeconds).max().orElseThrow();
    assertThat(longest).isBetween(1.0, TIMEOUT.toSeconds() * 4.0);
    assertThat(q("sum(rum_session_duration_seconds_bucket{le=\"+Inf\"})")).isEqualTo(HUMANS);
  }

  @Test
  void noSessionWasSplitAcrossTheTwoInstances() {
    long distinct = new HashSet<>(visits(false).stream().map(Visit::sessionId).toList()).size();
    assertThat(distinct).isEqualTo(HUMANS);
    // A session split in two would start on both instances: more starts than session ids.
    assertThat(q("sum(rum_sessions_started_total)"))
        .as("sessions started, summed over both instances (a split session starts on each)")
        .isEqualTo(distinct);
    assertThat(q("sum(rum_sessions_started_total) - sum(rum_sessions_ended_total)")).isZero();
    assertThat(q("sum(rum_sessions_reclassified_total)")).isZero();
    assertThat(q("sum(rum_bot_sessions_total)")).isEqualTo(BOTS);
    // Each instance ended exactly what it started, and no span came late to an ended session.
    Map<String, Double> started = prom.vector("sum by (instance) (rum_sessions_started_total)");
    assertThat(prom.vector("sum by (instance) (rum_sessions_ended_total)")).isEqualTo(started);
    assertThat(q("sum(rum_spans_received_total{outcome=\"late\"})")).isZero();
    assertThat(q("sum(rum_spans_received_total{outcome!~\"accepted|bot\"})")).isZero();
  }

  @Test
  void bothInstancesGotSessions() {
    Map<String, Double> perInstance = prom.vector("sum by (instance) (rum_sessions_started_total)");
    assertThat(perInstance).as("sessions started per processor").hasSize(2);
    assertThat(perInstance.values()).allSatisfy(n -> assertThat(n).isGreaterThan(0));
    assertThat(q("count(up{job=\"rum-sessions\"} == 1)")).isEqualTo(2);
  }

  @Test
  void theCollectorsLoadBalancerUsedBothProcessors() {
    assertThat(q("sum(otelcol_loadbalancer_num_backends)")).isEqualTo(2);
    // The Collector's own Prometheus exporter leaves `_total` off counters: match either name.
    // `success` means handed to that backend's otlp exporter (its queue), delivery is proven
    // by the processors' own counts above.
    Map<String, Double> outcomes = prom.vector("sum by (endpoint, success) "
        + "({__name__=~\"otelcol_loadbalancer_backend_outcome(_total)?\"})");
    assertThat(outcomes).as("outcomes per backend").containsOnlyKeys(
        "{endpoint=\"127.0.0.1:" + stack.processors.get(0).grpcPort() + "\",success=\"true\"}",
        "{endpoint=\"127.0.0.1:" + stack.processors.get(1).grpcPort() + "\",success=\"true\"}");
  }

  @Test
  void theCollectorAnswersABrowserPreflightForTheConfiguredOriginOnly() throws Exception {
    HttpResponse<String> allowed = preflight(ORIGIN);
    assertThat(allowed.statusCode()).isBetween(200, 204);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
        .contains("content-type");
    assertThat(preflight("https://elsewhere.example").headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  // ---- helpers ----

  static HttpResponse<String> preflight(String origin) throws Exception {
    return http.send(HttpRequest.newBuilder(collectorUri("/v1/traces"))
        .timeout(Duration.ofSeconds(10))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  static double q(String promql) {
    return prom.scalar(promql);
  }

  static List<Visit> visits(boolean bots) {
    return plan.visits().stream().filter(v -> v.bot() == bots).toList();
  }

  static URI collectorUri(String path) {
    return stack.collectorUri(path);
  }
}

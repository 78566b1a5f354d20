package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.rumsessions.e2e.OtlpCapture.Exported;
import io.rumsessions.processor.RumSessionsProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real browser SDKs, end to end: pages running the OpenTelemetry JS web SDK, the Grafana Faro Web
 * SDK (its tracing exporting OTLP) or the processor's own snippet {@code /rum.js} (e2e/web,
 * bundled with esbuild) in Debian's headless Chromium, driven by playwright-core
 * (e2e/web/visits.mjs), export OTLP/HTTP JSON to the Collector built with ocb, which runs the
 * shipped example config and load-balances on {@code session.id} over two processors; a backend
 * under the real OpenTelemetry Java agent 2.33.1 with our extension exports its spans to the same
 * Collector; Prometheus scrapes the processors, and the processors export session and forwarded
 * spans to an OTLP receiver in the test.
 *
 * <p>Eleven visitors, each its own browser context. On OpenTelemetry pages: a bounce; three pages
 * from a UTM-tagged URL; a visit from Google; one that idles past the timeouts and comes back (two
 * sessions); two tabs (one session); one without a consent signal (denied); one whose page calls
 * the backend; and a bot (Chromium's own {@code HeadlessChrome} user agent). On Faro pages: two
 * pages, and a bounce. On snippet pages: two pages without consent (the snippet's default) and
 * without a session id. The humans other than the denied ones grant consent
 * ({@code consent.analytics=granted} on the SDK's resource). Session timeouts: 4 s in the
 * processors and in the OpenTelemetry SDK's session manager (Faro's are constants: 15 min).
 */
class BrowserSdkE2ETest {
  static final String SERVICE = "rum-e2e-web";
  /**
   * The denied visitor's order number in its landing query (e2e/web/visits.mjs). Upper case and a
   * dash: a hex id or a number can never hold it by chance (a bare "4711" was once matched inside
   * a granted visitor's random session id, and once inside a metric's sample value).
   */
  static final String ORDER = "ORD-Q4711";
  static final String FARO_SERVICE = "rum-e2e-faro";
  static final String SNIPPET_SERVICE = "rum-e2e-snippet";
  static final String BACKEND_SERVICE = "rum-e2e-backend";
  static final Duration TIMEOUT = Duration.ofSeconds(4);
  /** Timestamps come from the browser's clock (performance.timeOrigin): slack per session. */
  static final double CLOCK_TOLERANCE_SECONDS = 0.25;
  static final String MAC_CHROME = "Macintosh; Intel Mac OS X 10_15_7";

  @TempDir static Path dir;

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static E2eStack stack;
  static PrometheusApi prom;
  static OtlpCapture export;
  static HttpServer pages;
  static ExternalProcess backend;
  static JsonNode visits;
  static long visitsMillis;
  static long setupMillis;

  @BeforeAll
  @Timeout(value = 40, unit = TimeUnit.MINUTES) // a cold ocb build takes minutes on 2 cores
  static void startVisitAndWait() throws Exception {
    long t0 = System.nanoTime();
    Path repo = E2eStack.repoRoot();
    Path web = repo.resolve("e2e/web");
    Path node = ExternalProcess.find("NODE", "node", "install Node.js 18+ (Debian: apt-get install -y nodejs npm)");
    Path chromium = ExternalProcess.find("CHROMIUM", "chromium", "install the Debian package with `apt-get install -y chromium`");
    if (!Files.isDirectory(web.resolve("node_modules/playwright-core"))
        || !Files.isDirectory(web.resolve("node_modules/@opentelemetry/sdk-trace-web"))) {
      throw new AssertionError(web.resolve("node_modules") + " is missing or incomplete: run "
          + "`npm ci --ignore-scripts --prefix e2e/web` from the repository root (.ci/run does)");
    }
    Path agent = Path.of(System.getProperty("rum.agent.jar", "target/agent/opentelemetry-javaagent.jar"));
    Path extension = Path.of(System.getProperty("rum.extension.jar", "target/agent/rum-sessions-otel-extension.jar"));
    assertThat(agent).as("the OpenTelemetry Java agent (maven-dependency-plugin copies it)").isRegularFile();
    assertThat(extension).as("the rum-sessions extension jar (maven-dependency-plugin copies it)").isRegularFile();

    // The page bundles, by esbuild: src/page.js (OpenTelemetry JS web SDK) and, beside it,
    // src/faro-page.js (Grafana Faro Web SDK).
    Path bundle = dir.resolve("web/rum-page.js");
    Path faroBundle = dir.resolve("web/faro-page.js");
    run(List.of(node.toString(), web.resolve("build.mjs").toString(), bundle.toString()), web, Duration.ofSeconds(60), "esbuild");

    // Pages on loopback; their origin is what the Collector's CORS and the backend allow.
    pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    String origin = "http://127.0.0.1:" + pages.getAddress().getPort();

    export = new OtlpCapture();
    stack = new E2eStack(dir);
    stack.start(Map.of(
        // consent.default stays `denied`: the visitor without a consent signal is denied.
        "session.inactivity-timeout", TIMEOUT.toSeconds() + "s",
        "session.engaged-after", "10s",
        "export.endpoint", export.endpoint(),
        "export.protocol", "http/protobuf"), origin);
    prom = stack.prom;

    int backendPort = E2eStack.freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    backend = stack.started("backend", Map.of(), List.of(java,
        "-javaagent:" + agent.toAbsolutePath(),
        "-Dotel.javaagent.extensions=" + extension.toAbsolutePath(),
        "-Dotel.service.name=" + BACKEND_SERVICE,
        "-Dotel.traces.exporter=otlp",
        "-Dotel.exporter.otlp.protocol=grpc",
        "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + stack.collectorGrpcPort,
        "-Dotel.metrics.exporter=none",
        "-Dotel.logs.exporter=none",
        "-Dotel.bsp.schedule.delay=200",
        "-Dotel.javaagent.logging=simple",
        // Only the test classes: BackendApp needs nothing but the JDK (the processor's OpenTelemetry
        // SDK on the application class path would only confuse what the agent instruments).
        "-cp", Path.of(BackendApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
        BackendApp.class.getName(), Integer.toString(backendPort), origin));
    stack.waitFor("the backend (Java agent) to listen on " + backendPort, Duration.ofSeconds(60), () -> {
      backend.assertAlive();
      return E2eStack.listening(backendPort);
    });

    String config = "window.RUM_E2E = " + JSON.writeValueAsString(Map.of(
        "service", SERVICE,
        "faroService", FARO_SERVICE,
        "collector", "http://127.0.0.1:" + stack.collectorHttpPort,
        "backend", "http://127.0.0.1:" + backendPort,
        "sessionTimeoutSeconds", TIMEOUT.toSeconds())) + ";\n";
    // The snippet pages: /rum.js as processor 1 serves it, posting to the Collector (not to the
    // processor it came from), so its spans take the load-balanced way like the SDKs' spans.
    String rumJs = "http://127.0.0.1:" + stack.processors.get(0).httpPort() + "/rum.js";
    String collectorTraces = "http://127.0.0.1:" + stack.collectorHttpPort + "/v1/traces";
    pages.createContext("/", ex -> {
      try (ex) {
        String path = ex.getRequestURI().getPath();
        byte[] body = null;
        String type = "text/html; charset=utf-8";
        if (path.equals("/config.js")) {
          body = config.getBytes(StandardCharsets.UTF_8);
          type = "text/javascript";
        } else if (path.equals("/rum-page.js")) {
          body = Files.readAllBytes(bundle);
          type = "text/javascript";
        } else if (path.equals("/faro-page.js")) {
          body = Files.readAllBytes(faroBundle);
          type = "text/javascript";
        } else if (path.matches("/(index|p2|p3)\\.html|/faro/(index|p2)\\.html")) {
          body = Files.readAllBytes(web.resolve("pages" + path));
        } else if (path.matches("/snippet/(index|p2)\\.html")) {
          body = Files.readString(web.resolve("pages" + path)).replace("RUM_JS_URL", rumJs)
              .replace("COLLECTOR_TRACES_URL", collectorTraces).getBytes(StandardCharsets.UTF_8);
        }
        if (body == null) {
          ex.sendResponseHeaders(path.equals("/favicon.ico") ? 204 : 404, -1);
          return;
        }
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    pages.start();
    setupMillis = (System.nanoTime() - t0) / 1_000_000;

    long v0 = System.nanoTime();
    String out = run(List.of(node.toString(), web.resolve("visits.mjs").toString(), origin, chromium.toString()),
        web, Duration.ofSeconds(180), "visits");
    visitsMillis = (System.nanoTime() - v0) / 1_000_000;
    visits = JSON.readTree(out);
    // What each visitor did, the posts the Collector answered, and what the SDK warned about (a
    // failed export, say): in the log, and in the message if the wait below times out.
    StringBuilder browser = new StringBuilder();
    for (JsonNode v : visits.path("visitors")) {
      browser.append("\nvisitor ").append(v.path("name").asText()).append(": ").append(v.path("ms").asLong())
          .append(" ms, ids ").append(sessionIds(v.path("name").asText())).append(", posts to the Collector ")
          .append(v.path("posts")).append(", SDK diagnostics ").append(v.path("diagnostics"));
    }
    System.out.println(browser.toString().strip());

    int expected = expectedSessions();
    stack.waitFor("Prometheus to see " + expected + " ended sessions, the bot and the joined backend span;" + browser,
        Duration.ofSeconds(60), () -> {
          stack.collector.assertAlive();
          stack.prometheus.assertAlive();
          return prom.scalar("sum(rum_sessions_ended_total)") >= expected
              && prom.scalar("sum(rum_bot_sessions_total)") >= 1
              && prom.scalar("sum(rum_backend_spans_total)") >= 1 + preflights()
              && prom.scalar("count(up{job=\"rum-sessions\"} == 1)") == 2
              && prom.scalar("sum(rum_sessions_active)") == 0
              && export.named("session").size() >= expected;
        });
    Thread.sleep(2_500); // two more scrapes: anything that would still change shows up
    System.out.printf("setup %d ms, visits %d ms (Chromium %s), until the assertions %d ms%n", setupMillis,
        visitsMillis, visits.path("chromium").asText(), (System.nanoTime() - t0) / 1_000_000);
    System.out.println("sessions started per processor: " + prom.vector("sum by (instance) (rum_sessions_started_total)"));
    System.out.println("ended by channel: " + prom.vector("sum by (channel) (rum_sessions_ended_total)"));
    System.out.println("campaigns: " + prom.vector("sum by (source, medium, campaign) (rum_campaign_sessions_total)"));
    System.out.println("bots: " + prom.vector("sum by (reason) (rum_bot_sessions_total)"));
    System.out.println("backend spans: " + prom.vector("sum by (service_name, outcome) (rum_backend_spans_total)"));
  }

  @AfterAll
  static void stopEverything() throws IOException {
    if (export != null) {
      // What the processors exported, one line a span, for reading after a failure.
      StringBuilder b = new StringBuilder();
      for (Exported s : export.spans()) {
        b.append(s.name()).append(' ').append(s.span().getKind())
            .append(String.format(" start=%d duration=%.3fs ", s.span().getStartTimeUnixNano(), s.durationSeconds()))
            .append(s.attributes())
            .append(" resource=").append(s.resource()).append('\n');
      }
      Path target = Path.of("target");
      if (Files.isDirectory(target)) Files.writeString(target.resolve("browser-sdk-e2e-export.txt"), b.toString());
      if (prom != null) {
        System.out.println("bot spans: " + prom.vector("sum by (instance, reason) (rum_bot_spans_total)")
            + " reclassified: " + prom.vector("sum by (instance) (rum_sessions_reclassified_total)"));
      }
    }
    if (pages != null) pages.stop(0);
    if (stack != null) stack.close();
    if (export != null) export.close();
  }

  // ---- what happened in the browser (the premise of everything below) ----

  @Test
  void everyVisitorRanInChromiumAndTheSdkKeptItsSessionIdExceptAfterIdling() {
    assertThat(names(visits.path("visitors"))).containsExactlyInAnyOrder(
        "bounce", "utm", "search", "two_tabs", "consent_denied", "backend", "bot", "idle",
        "faro_two_pages", "faro_bounce", "snippet");
    for (JsonNode v : visits.path("visitors")) {
      String name = v.path("name").asText();
      assertThat(v.path("errors")).as(name + " page errors").isEmpty();
      if (name.equals("snippet")) {
        // The snippet keeps no id in the browser (no cookies, no storage).
        assertThat(v.path("steps")).hasSize(2).allMatch(step -> step.path("sid").isNull());
        continue;
      }
      int ids = sessionIds(name).size();
      assertThat(ids).as(name + ": distinct session.id values the page reported").isEqualTo(name.equals("idle") ? 2 : 1);
    }
    Set<String> all = new LinkedHashSet<>();
    for (JsonNode v : visits.path("visitors")) {
      if (!v.path("name").asText().equals("snippet")) all.addAll(sessionIds(v.path("name").asText()));
    }
    assertThat(all).as("every visitor has its own ids").hasSize(11);
    // Faro's ids are its own (genShortID: 10 characters), web-common's are 32 hex digits.
    assertThat(only("faro_two_pages")).matches("[A-Za-z0-9]{10}");
    assertThat(only("bounce")).matches("[0-9a-f]{32}");
  }

  // ---- Prometheus ----

  @Test
  void prometheusHoldsTheSessionsBouncesPageviewsAndEngagement() {
    // OpenTelemetry pages: bounce 1, utm 1, search 1, idle 2, two tabs 1, denied 1, backend 1 = 8
    // (the bot: none); Faro: 2 pages 1, bounce 1; the snippet 1.
    assertThat(expectedSessions()).isEqualTo(11);
    assertThat(q("sum(rum_sessions_ended_total)")).as("sessions ended").isEqualTo(11);
    assertThat(q("sum(rum_sessions_started_total)")).as("sessions started").isEqualTo(11);
    // bounce, both idle sessions (one page each, no click), the Faro bounce
    assertThat(q("sum(rum_session_bounces_total)")).as("bounces").isEqualTo(4);
    // 1 + 3 + 1 + (1 + 1) + 2 + 2 + 1, Faro 2 + 1, snippet 2
    assertThat(q("sum(rum_session_pageviews_sum)")).as("pageviews").isEqualTo(17);
    assertThat(q("sum(rum_session_pageviews_count)")).isEqualTo(11);
    // ≥ 2 pageviews: utm, two tabs, denied, Faro 2 pages, snippet (every visit is far shorter than 10 s)
    assertThat(q("sum(rum_sessions_engaged_total)")).as("engaged").isEqualTo(5);
    // A regular Chrome user agent on every human: desktop. `other` would mean a session of spans
    // without any user agent (what the Collector's resource/browser processor prevents).
    // `> 0`: a service's series exist at zero for every channel and device from its first span on.
    assertThat(prom.vector("sum by (device) (rum_sessions_ended_total) > 0"))
        .containsExactlyEntriesOf(Map.of("{device=\"desktop\"}", 11.0));
    assertThat(prom.vector("sum by (service_name) (rum_sessions_ended_total)")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "{service_name=\"" + SERVICE + "\"}", 8.0,
        "{service_name=\"" + FARO_SERVICE + "\"}", 2.0,
        "{service_name=\"" + SNIPPET_SERVICE + "\"}", 1.0));
  }

  @Test
  void channelsAndTheCampaignAreAttributedAtSessionStart() {
    assertThat(prom.vector("sum by (channel) (rum_sessions_ended_total) > 0")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "{channel=\"direct\"}", 9.0,            // bounce, idle × 2, two tabs, denied, backend, Faro × 2, snippet
        "{channel=\"organic_search\"}", 1.0,    // Referer https://www.google.com/
        "{channel=\"email\"}", 1.0));           // utm_medium=email
    assertThat(q("sum(rum_campaign_sessions_total{source=\"newsletter\",medium=\"email\",campaign=\"spring_sale\"})"))
        .as("the UTM campaign").isEqualTo(1);
    assertThat(q("sum(rum_campaign_sessions_ended_total{campaign=\"spring_sale\"})")).isEqualTo(1);
    assertThat(q("sum(rum_campaign_bounces_total{campaign=\"spring_sale\"})")).isZero();
    assertThat(q("sum(rum_campaign_sessions_total{source=\"google\"})")).as("the search visit's source").isEqualTo(1);
  }

  @Test
  void theBotIsCountedAsABotAndNotAsASession() {
    assertThat(prom.vector("sum by (reason) (rum_bot_sessions_total)")).hasSize(1);
    assertThat(q("sum(rum_bot_sessions_total)")).isEqualTo(1);
    assertThat(q("sum(rum_bot_spans_total)")).isGreaterThanOrEqualTo(1);
    assertThat(q("sum(rum_sessions_reclassified_total)")).isZero();
    String botId = sessionIds("bot").iterator().next();
    assertThat(export.named("session")).noneMatch(s -> botId.equals(s.attr("session.id")));
    // Its forwarded spans are marked (bots.action: mark).
    assertThat(export.spans().stream().filter(s -> botId.equals(s.attr("session.id"))).toList())
        .isNotEmpty().allMatch(s -> "bot".equals(s.attr("user_agent.synthetic.type")));
  }

  @Test
  void noSessionWasSplitAcrossTheTwoInstances() {
    // A session split in two would start on both instances: more starts than sessions.
    assertThat(q("sum(rum_sessions_started_total)")).isEqualTo(expectedSessions());
    Map<String, Double> started = prom.vector("sum by (instance) (rum_sessions_started_total)");
    assertThat(prom.vector("sum by (instance) (rum_sessions_ended_total)")).isEqualTo(started);
    assertThat(q("count(up{job=\"rum-sessions\"} == 1)")).isEqualTo(2);
    assertThat(q("sum(rum_spans_received_total{outcome=\"late\"})")).isZero();
    assertThat(q("sum(rum_spans_received_total{outcome!~\"accepted|bot\"})")).isZero();
    // The session spans tell the same: one per session, each id once.
    // (For the snippet and the Faro pages, which are routed on the same key, see their own tests.)
    List<String> ids = export.named("session").stream().map(s -> s.attr("session.id")).toList();
    assertThat(ids).hasSize(expectedSessions()).doesNotHaveDuplicates();
  }

  @Test
  void durationsAreLastMinusFirstEventTimeWithinTheVisitsWallClock() {
    List<Exported> sessions = export.named("session");
    double sum = sessions.stream().mapToDouble(s -> Double.parseDouble(s.attr("rum.session.duration_seconds"))).sum();
    assertThat(q("sum(rum_session_duration_seconds_sum)")).as("Prometheus = the session spans")
        .isCloseTo(sum, within(0.001 * sessions.size()));
    // Each granted session against the wall clock around what the visitor did (visits.mjs):
    // first event ≥ the first step's start, last event ≤ the last step's end, and the last
    // event is after the last step began.
    int checked = 0;
    for (JsonNode v : visits.path("visitors")) {
      if (v.path("name").asText().matches("bot|consent_denied|snippet")) continue;
      Map<String, List<JsonNode>> bySession = stepsBySession(v);
      List<String> ids = new ArrayList<>(bySession.keySet());
      for (int i = 0; i < ids.size(); i++) {
        List<JsonNode> steps = bySession.get(ids.get(i));
        Exported s = sessionSpan(ids.get(i)); // the SDK gave the idle visitor's return a new id

        double upper = (steps.get(steps.size() - 1).path("t1").asLong() - steps.get(0).path("t0").asLong()) / 1000.0;
        double lower = (steps.get(steps.size() - 1).path("t0").asLong() - steps.get(0).path("t1").asLong()) / 1000.0;
        assertThat(s.durationSeconds()).as(v.path("name").asText() + " session " + i + " duration")
            .isBetween(Math.max(0, lower) - CLOCK_TOLERANCE_SECONDS, upper + CLOCK_TOLERANCE_SECONDS);
        assertThat(Double.parseDouble(s.attr("rum.session.duration_seconds"))).isCloseTo(s.durationSeconds(), within(0.001));
        assertThat(s.span().getStartTimeUnixNano() / 1e6).as("first event after the visit began")
            .isGreaterThanOrEqualTo(steps.get(0).path("t0").asLong() - CLOCK_TOLERANCE_SECONDS * 1000);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(9); // 7 OpenTelemetry sessions, 2 Faro ones
    // The three-page visit lasted at least the two link clicks; a bounce lasts its own page load.
    assertThat(sessionSpan(only("utm")).durationSeconds()).isGreaterThan(0.05);
    assertThat(sessionSpan(only("bounce")).durationSeconds()).isLessThan(TIMEOUT.toSeconds());
  }

  @Test
  void theIdleVisitorHadTwoSessionsAndTheTwoTabsOne() {
    List<String> idle = List.copyOf(sessionIds("idle"));
    Exported first = sessionSpan(idle.get(0));
    Exported second = sessionSpan(idle.get(1));
    assertThat(first.attr("rum.session.pageviews")).isEqualTo("1");
    assertThat(second.attr("rum.session.pageviews")).isEqualTo("1");
    assertThat(second.span().getStartTimeUnixNano() - first.span().getEndTimeUnixNano())
        .as("the gap between the two sessions, ns").isGreaterThan(TIMEOUT.toNanos());
    assertThat(first.attr("rum.session.landing_page")).isEqualTo("/index.html");
    assertThat(second.attr("rum.session.landing_page")).isEqualTo("/p2.html");

    Exported tabs = sessionSpan(only("two_tabs"));
    assertThat(tabs.attr("rum.session.pageviews")).isEqualTo("2");
    assertThat(tabs.attr("rum.session.bounce")).isEqualTo("false");
    Exported utm = sessionSpan(only("utm"));
    assertThat(utm.attr("rum.session.pageviews")).isEqualTo("3");
    assertThat(utm.attr("rum.session.exit_page")).isEqualTo("/p3.html");
    Exported search = sessionSpan(only("search"));
    assertThat(search.attr("rum.session.channel")).isEqualTo("organic_search");
    assertThat(search.attr("rum.session.bounce")).as("one page, but a click").isEqualTo("false");
    assertThat(sessionSpan(only("bounce")).attr("rum.session.bounce")).isEqualTo("true");
  }

  @Test
  void theBackendSpanJoinedTheBrowserSessionOfItsFetch() {
    String sid = only("backend");
    assertThat(q("sum(rum_backend_spans_total{outcome=\"attributed\",service_name=\"" + BACKEND_SERVICE + "\"})"))
        .as("backend server spans joined to a browser session").isEqualTo(1);
    // The browser's CORS preflight (OPTIONS, no traceparent, no session header) is a trace of its own.
    assertThat(q("sum(rum_backend_spans_total{outcome=\"unattributed\"})")).as("preflights").isEqualTo(preflights());
    assertThat(sessionSpan(sid).attr("rum.session.backend_requests")).isEqualTo("1");
    // The forwarded server span: the extension put the browser's session.id on it (header, consent
    // granted), and it shares the trace of the browser's fetch span.
    List<Exported> servers = export.spans().stream()
        .filter(s -> BACKEND_SERVICE.equals(s.resource().get("service.name"))
            && s.span().getKind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
            && sid.equals(s.attr("session.id")))
        .toList();
    assertThat(servers).as("the backend's server span with the browser's session.id").hasSize(1);
    Exported fetch = export.spans().stream()
        .filter(s -> s.span().getKind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT
            && sid.equals(s.attr("session.id")))
        .findFirst().orElseThrow(() -> new AssertionError("no fetch span of the backend visitor was forwarded"));
    assertThat(servers.get(0).span().getTraceId()).isEqualTo(fetch.span().getTraceId());
  }

  @Test
  void theVisitorWithoutConsentLeavesNothingPersonalInTheExportOrTheMetrics() throws Exception {
    String raw = only("consent_denied");
    // The browser really landed with the query whose values must not come back (else the leak
    // checks below would pass for nothing).
    assertThat(visitor("consent_denied").path("steps")).extracting(st -> st.path("step").asText())
        .anyMatch(st -> st.startsWith("pageview ") && st.contains("jane.doe") && st.contains(ORDER));
    Set<String> granted = new LinkedHashSet<>();
    for (JsonNode v : visits.path("visitors")) {
      if (!v.path("name").asText().matches("consent_denied|snippet")) granted.addAll(sessionIds(v.path("name").asText()));
    }
    // Its session: keyed by the cookie-free id, not the SDK's id; one session of two pages.
    List<Exported> denied = export.named("session").stream().filter(s -> !granted.contains(s.attr("session.id"))
        && SERVICE.equals(s.resource().get("service.name"))).toList();
    assertThat(denied).as("session spans with an id no granted visitor had").hasSize(1);
    assertThat(denied.get(0).attr("session.id")).isNotEqualTo(raw);
    assertThat(denied.get(0).attr("rum.session.pageviews")).isEqualTo("2");
    assertThat(denied.get(0).attr("rum.session.landing_page")).isEqualTo("/index.html");

    // Nothing exported carries its raw id, the query of its landing URL, or its address.
    List<Exported> all = export.spans();
    assertThat(leaks(all, raw)).as("exported attributes holding its SDK session id").isEmpty();
    List<Exported> itsSpans = all.stream().filter(s -> denied.get(0).attr("session.id").equals(s.attr("session.id"))
        && !s.name().equals("session")).toList();
    assertThat(itsSpans).as("its forwarded spans").isNotEmpty();
    assertThat(itsSpans).allSatisfy(s -> {
      assertThat(s.attributes()).doesNotContainKeys("client.address", "user.id", "enduser.id");
      assertThat(s.resource()).doesNotContainKeys("client.address");
      if (s.attr("url.full") != null) assertThat(s.attr("url.full")).doesNotContain("?");
    });
    // A granted visitor's forwarded spans keep the address the Collector put on the resource: the
    // check above is about consent, not about an address that never arrived.
    assertThat(all.stream().filter(s -> only("utm").equals(s.attr("session.id")) && !s.name().equals("session")))
        .isNotEmpty().allMatch(s -> "127.0.0.1".equals(s.resource().get("client.address")));
    // The metrics: no session id (raw, cookie-free or granted) and no query value in any label.
    for (RumSessionsProcessor p : stack.processors) {
      String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.metricsPort() + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
      // Without the sample values: a number such as jvm_buffer_pool_used_bytes 9734711.0 holds "4711".
      String metrics = text.lines().map(BrowserSdkE2ETest::withoutSampleValue).collect(java.util.stream.Collectors.joining("\n"));
      assertThat(metrics).contains("rum_sessions_ended_total{");
      assertThat(metrics).doesNotContain(raw).doesNotContain("jane.doe").doesNotContain(ORDER)
          .doesNotContain(denied.get(0).attr("session.id"));
      for (String id : granted) assertThat(metrics).doesNotContain(id);
    }
    // Last, so that everything above is checked even while this fails: the landing URL's query
    // comes back on the next page as its `page.referrer`, which the processor must reduce like a
    // URL (only utm_* and click ids may stay).
    assertThat(leaks(all, "jane.doe")).as("exported attributes holding the landing page's query").isEmpty();
    assertThat(leaks(all, ORDER)).as("exported attributes holding the landing page's query").isEmpty();
  }

  @Test
  void theCollectorRanTheShippedExample() throws IOException {
    assertThat(stack.collectorCommand).contains("--config=" + stack.repo.resolve("collector-processor/examples/collector-loadbalancing.yaml"));
    String yaml = Files.readString(stack.exampleConfig);
    assertThat(yaml).contains("routing_attributes: [session.id]").contains("from_context: client.address")
        .contains("include_metadata: true");
    assertThat(q("sum(otelcol_loadbalancer_num_backends)")).isEqualTo(2);
  }

  @Test
  void theFaroPagesWereSessionsKeyedByFarosSessionId() {
    String twoPages = only("faro_two_pages");
    String bounce = only("faro_bounce");
    // Prometheus, by service.name (Faro's app.name).
    String faro = "{service_name=\"" + FARO_SERVICE + "\"}";
    assertThat(q("sum(rum_sessions_ended_total" + faro + ")")).isEqualTo(2);
    assertThat(q("sum(rum_sessions_started_total" + faro + ")")).isEqualTo(2);
    assertThat(q("sum(rum_session_pageviews_sum" + faro + ")")).isEqualTo(3);
    assertThat(q("sum(rum_session_bounces_total" + faro + ")")).isEqualTo(1);
    // The session spans (consent granted): keyed by the id Faro's session manager reported.
    Exported visit = sessionSpan(twoPages);
    assertThat(visit.attr("rum.session.pageviews")).isEqualTo("2");
    assertThat(visit.attr("rum.session.bounce")).isEqualTo("false");
    assertThat(visit.attr("rum.session.landing_page")).isEqualTo("/faro/index.html");
    assertThat(visit.attr("rum.session.exit_page")).isEqualTo("/faro/p2.html");
    assertThat(visit.resource().get("service.name")).isEqualTo(FARO_SERVICE);
    Exported left = sessionSpan(bounce);
    assertThat(left.attr("rum.session.pageviews")).isEqualTo("1");
    assertThat(left.attr("rum.session.bounce")).isEqualTo("true");
    // The forwarded spans are Faro's: its tracing's resource, Faro's session id as `session.id`
    // (FaroMetaAttributesSpanProcessor), a documentLoad per page.
    List<Exported> spans = export.spans().stream().filter(s -> twoPages.equals(s.attr("session.id")) && !s.name().equals("session")).toList();
    assertThat(spans).isNotEmpty().allSatisfy(s -> {
      assertThat(s.resource()).containsEntry("telemetry.distro.name", "faro-web-sdk").containsEntry("service.name", FARO_SERVICE);
      assertThat(s.resource().get("user_agent.original")).contains("Chrome/156");
    });
    assertThat(spans.stream().filter(s -> s.name().equals("documentLoad"))).hasSize(2);
  }

  @Test
  void theSnippetVisitWasOneSessionOnOneInstance() {
    String snippet = "{service_name=\"" + SNIPPET_SERVICE + "\"}";
    // Two pageviews, counted once: had its spans been split between the processors, each would
    // have started a session of its own (the sum over both instances would be 2).
    assertThat(q("sum(rum_sessions_started_total" + snippet + ")")).isEqualTo(1);
    assertThat(q("sum(rum_sessions_ended_total" + snippet + ")")).isEqualTo(1);
    assertThat(q("sum(rum_session_pageviews_sum" + snippet + ")")).isEqualTo(2);
    assertThat(q("sum(rum_session_bounces_total" + snippet + ")")).isZero();
    assertThat(q("sum(rum_bot_spans_total" + snippet + ") or vector(0)")).as("a human, not a bot").isZero();
    // Why it was not split: its spans carry no session.id, so the Collector's routing key is
    // "session.id=|" for every one of them, and every snippet span goes to the same processor.
    assertThat(prom.vector("sum by (instance) (rum_spans_received_total" + snippet + ")"))
        .as("processors that received snippet spans").hasSize(1);
    // Its session span: the cookie-free id (consent denied), two pages, nothing personal.
    List<Exported> sessions = export.named("session").stream()
        .filter(s -> SNIPPET_SERVICE.equals(s.resource().get("service.name"))).toList();
    assertThat(sessions).hasSize(1);
    Exported s = sessions.get(0);
    assertThat(s.attr("session.id")).matches("[0-9a-f]{32}");
    assertThat(s.attr("rum.session.pageviews")).isEqualTo("2");
    assertThat(s.attr("rum.session.landing_page")).isEqualTo("/snippet/index.html");
    assertThat(s.attr("rum.session.exit_page")).isEqualTo("/snippet/p2.html");
    List<Exported> forwarded = export.spans().stream()
        .filter(f -> SNIPPET_SERVICE.equals(f.resource().get("service.name")) && !f.name().equals("session")).toList();
    assertThat(forwarded.stream().filter(f -> f.name().equals("pageview"))).hasSize(2);
    assertThat(forwarded).allSatisfy(f -> {
      assertThat(f.attr("session.id")).isEqualTo(s.attr("session.id"));
      assertThat(f.resource()).doesNotContainKeys("client.address");
      assertThat(f.attributes()).doesNotContainKeys("client.address");
    });
  }

  // ---- helpers ----

  static double q(String promql) {
    return prom.scalar(promql);
  }

  /**
   * Sessions the processors must count: one per distinct SDK session id of a human visitor, and
   * one for the snippet's visit (its pages report no id).
   */
  static int expectedSessions() {
    int n = 0;
    for (JsonNode v : visits.path("visitors")) {
      String name = v.path("name").asText();
      if (name.equals("snippet")) n++;
      else if (!name.equals("bot")) n += sessionIds(name).size();
    }
    return n;
  }

  static Set<String> sessionIds(String visitor) {
    return stepsBySession(visitor(visitor)).keySet();
  }

  static String only(String visitor) {
    Set<String> ids = sessionIds(visitor);
    assertThat(ids).as(visitor + " session ids").hasSize(1);
    return ids.iterator().next();
  }

  static JsonNode visitor(String name) {
    for (JsonNode v : visits.path("visitors")) if (v.path("name").asText().equals(name)) return v;
    throw new AssertionError("no visitor " + name + " in " + visits);
  }

  static Map<String, List<JsonNode>> stepsBySession(JsonNode v) {
    Map<String, List<JsonNode>> out = new LinkedHashMap<>();
    for (JsonNode s : v.path("steps")) out.computeIfAbsent(s.path("sid").asText(), k -> new ArrayList<>()).add(s);
    return out;
  }

  static Exported sessionSpan(String sessionId) {
    return export.named("session").stream().filter(s -> sessionId.equals(s.attr("session.id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no session span for " + sessionId + "; session spans: "
            + export.named("session").stream().map(Exported::attributes).toList()));
  }

  /**
   * "span name: key=value" for every exported attribute or resource value containing {@code text},
   * numbers aside (a duration such as 0.0847110 holds "4711" by chance).
   */
  static List<String> leaks(List<Exported> spans, String text) {
    List<String> out = new ArrayList<>();
    for (Exported s : spans) {
      s.attributes().forEach((k, v) -> { if (v.contains(text) && !NUMBER.matcher(v).matches()) out.add(s.name() + ": " + k + "=" + v); });
      s.resource().forEach((k, v) -> { if (v.contains(text) && !NUMBER.matcher(v).matches()) out.add(s.name() + ": resource " + k + "=" + v); });
    }
    return out;
  }

  static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

  /** A line of Prometheus text without its sample value (and timestamp): comments stay whole. */
  static String withoutSampleValue(String line) {
    if (line.startsWith("#") || line.isBlank()) return line;
    int labels = line.lastIndexOf('}');
    int space = line.indexOf(' ', labels < 0 ? 0 : labels);
    return space < 0 ? line : line.substring(0, space);
  }

  static List<String> names(JsonNode visitors) {
    List<String> out = new ArrayList<>();
    for (JsonNode v : visitors) out.add(v.path("name").asText());
    return out;
  }

  /** CORS preflights the backend answered (each its own server span, with no browser session). */
  static long preflights() {
    try {
      return Files.readAllLines(backend.log).stream().filter(l -> l.startsWith("request OPTIONS")).count();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs a program to completion; fails with its stderr when it fails. Returns its stdout. */
  static String run(List<String> command, Path workDir, Duration limit, String name) throws Exception {
    Path err = dir.resolve(name + ".stderr.log");
    Path out = dir.resolve(name + ".stdout.log");
    Process p = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish in " + limit.toSeconds() + " s:\n" + ExternalProcess.tail(err, 40));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n"
          + ExternalProcess.tail(err, 60) + "\n" + ExternalProcess.tail(out, 20));
    }
    return Files.readString(out);
  }
}

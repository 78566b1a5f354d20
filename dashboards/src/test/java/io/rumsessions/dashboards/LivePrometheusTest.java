package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live proof: a real processor, scraped by a real Prometheus that loads our rules, fed with
 * what the OpenTelemetry JS web SDK really sent. Every variable query, panel query and rule
 * expression goes through Prometheus' HTTP API. A metric renamed or dropped in the processor,
 * or a label renamed, fails here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LivePrometheusTest {

  static final String MAIN_CLASS = "io.rumsessions.processor.RumSessionsMain";
  static final String JOB = "rum-sessions";
  static final List<String> SERVICES = List.of("shop", "docs");
  /** A site named in the processor's metrics.services: its series exist at zero before its first visit. */
  static final String FIRST_SITE = "brand-new-site";
  static final int ROUNDS = 4;
  static final int MAX_ACTIVE = 32;
  /** One-page visits sent at once: more than {@link #MAX_ACTIVE}, so sessions are evicted. */
  static final int BURST = 48;

  @TempDir static Path dir;

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Process processor;
  Process prometheus;
  HttpServer otlpSink;
  final AtomicInteger exportRequests = new AtomicInteger();
  int otlpHttpPort;
  int metricsPort;
  int prometheusPort;
  long feedStartMillis;
  Set<String> recorded;

  // ------------------------------------------------------------------ set-up

  @BeforeAll
  void startProcessorAndPrometheusAndFeedThem() throws Exception {
    recorded = Mixin.recordedNames();
    Path promBinary = Tools.prometheus(); // fail early, before starting anything
    startOtlpSink();
    startProcessor();
    startPrometheus(promBinary);
    feedStartMillis = System.currentTimeMillis();
    feed();
    // Sessions end 2 s after their last span; then a scrape, then a rule evaluation.
    waitFor("ended sessions in Prometheus", Duration.ofSeconds(60),
        () -> hasData("sum(rum_sessions_ended_total{job=\"" + JOB + "\"})"));
    // Best effort for the rest: the checks below say precisely what is missing.
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until
        && !(hasData("service_name:rum_session_bounce:ratio_rate5m")
            && hasData("sum(rum_export_spans_total{job=\"" + JOB + "\"})"))) {
      Thread.sleep(250);
    }
    Thread.sleep(3000); // a few more scrapes and evaluations at rest
  }

  @AfterAll
  void stopEverything() {
    for (Process p : new Process[] {prometheus, processor}) {
      if (p == null) continue;
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (otlpSink != null) otlpSink.stop(0);
  }

  /** An OTLP/HTTP backend for the processor's exporter: accepts every export. */
  void startOtlpSink() throws IOException {
    otlpSink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    otlpSink.createContext("/", ex -> {
      try (InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
      }
      exportRequests.incrementAndGet();
      ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    otlpSink.start();
  }

  void startProcessor() throws Exception {
    int[] ports = freePorts(3);
    otlpHttpPort = ports[0];
    int otlpGrpcPort = ports[1];
    metricsPort = ports[2];
    Path config = dir.resolve("processor.yml");
    Files.writeString(config, String.join("\n",
        "receiver:",
        "  host: 127.0.0.1",
        "metrics:",
        "  host: 127.0.0.1",
        "  services: [" + FIRST_SITE + "]",
        "session:",
        "  allowed-lateness: 0s",
        "  sweep-interval: 200ms",
        // Fewer slots than the burst of visitors (the processor spreads the cap over 32
        // shards, one slot each here): some sessions are evicted.
        "  max-active: " + MAX_ACTIVE,
        "export:",
        "  endpoint: http://127.0.0.1:" + otlpSink.getAddress().getPort(),
        "  protocol: http/protobuf",
        "  timeout: 2s",
        "state:",
        "  dir: " + dir.resolve("state"),
        "  snapshot-on-shutdown: false",
        // A checkpoint within the test, so rum_state_checkpoints_total has its outcome series.
        "  checkpoint-interval: 1s",
        "attribution:",
        "  registry: " + dir.resolve("campaigns.yaml"),
        // The fixture's first visitor clicks the buy button and reaches p3.html.
        "conversions:",
        "  - {name: checkout, url-path: /p3.html, span-name: documentLoad}",
        "  - {name: buy_click, span-name: click}",
        ""));
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp", classPath, MAIN_CLASS,
        "--config", config.toString(),
        "--otlp-http-port", String.valueOf(otlpHttpPort),
        "--otlp-grpc-port", String.valueOf(otlpGrpcPort),
        "--metrics-port", String.valueOf(metricsPort),
        "--inactivity-timeout", "2s");
    processor = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("processor.log").toFile()).start();
    waitFor("the processor's /metrics", Duration.ofSeconds(60), () -> {
      if (!processor.isAlive()) throw new AssertionError("the processor exited with " + processor.exitValue() + ":\n" + log("processor.log"));
      return status("http://127.0.0.1:" + metricsPort + "/metrics") == 200;
    });
  }

  void startPrometheus(Path binary) throws Exception {
    prometheusPort = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - " + Mixin.RECORDING_RULES,
        "  - " + Mixin.ALERTS,
        "scrape_configs:",
        "  - job_name: " + JOB,
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + metricsPort + "']",
        ""));
    prometheus = new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort,
        "--log.level=warn")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    waitFor("Prometheus to be ready", Duration.ofSeconds(60), () -> {
      if (!prometheus.isAlive()) throw new AssertionError("prometheus exited with " + prometheus.exitValue() + ":\n" + log("prometheus.log"));
      return status(promUrl("/-/ready")) == 200;
    });
    waitFor("a first successful scrape", Duration.ofSeconds(30), () -> hasData("up{job=\"" + JOB + "\"} == 1"));
  }

  /**
   * Replays the captured requests as {@value #ROUNDS} rounds of the same three visitors (a
   * campaign visitor with three pages and a click, a one-page iPhone visitor, a headless
   * Chrome), each round with fresh session ids, alternating services, consent granted in every
   * other round, with a browser fetch and backend spans in the first and last rounds; then a
   * visit counted as human and reclassified as a bot, a burst of one-page visits beyond the
   * session cap, a malformed request, and spans with impossible timestamps.
   */
  void feed() throws Exception {
    firstSessionOfANewSite();
    List<JsonNode> lines = new ArrayList<>();
    try (InputStream in = getClass().getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      assertThat(in).as("fixture").isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) lines.add(Mixin.JSON.readTree(line));
      }
    }
    long latest = 0;
    for (JsonNode line : lines) latest = Math.max(latest, maxTime(Mixin.JSON.readTree(line.path("body").asText())));
    long firstBackend = 0;
    for (int round = 0; round < ROUNDS; round++) {
      // The second half of the rounds (the same services again) 2.5 s later, so its sessions end
      // two scrapes after the first half's: every session counter of a service then grows
      // between scrapes. Posted back to back, all of them could end before the scrape that first
      // saw their series, whose rate is then 0 (a new series' first value is no increase) and a
      // ratio of two such rates NaN (CI once: the engaged-rate panels and rule had no data).
      if (round == ROUNDS / 2) Thread.sleep(2500);
      String service = SERVICES.get(round % SERVICES.size());
      boolean consent = round % 2 == 0;
      Map<String, String> ids = new HashMap<>();
      long shift = System.currentTimeMillis() * 1_000_000L - latest;
      for (JsonNode line : lines) {
        ObjectNode body = (ObjectNode) Mixin.JSON.readTree(line.path("body").asText());
        rewrite(body, service, consent, ids, t -> t + shift);
        HttpResponse<String> r = post(body.toString(), line.path("hdr"));
        assertThat(r.statusCode()).as("POST /v1/traces: %s", r.body()).isEqualTo(200);
      }
      // Backend spans in the first and the last round, more than a scrape apart, so their
      // counter grows between scrapes and its rate is not 0/0.
      if (round == 0 || round == ROUNDS - 1) {
        if (round > 0) Thread.sleep(Math.max(0, firstBackend + 1500 - System.currentTimeMillis()));
        backendSpans(lines.get(0), service, consent, ids, shift);
        if (round == 0) firstBackend = System.currentTimeMillis();
      }
    }
    JsonNode iphone = lines.stream().filter(l -> l.path("hdr").path("User-Agent").asText().contains("iPhone"))
        .findFirst().orElseThrow(() -> new AssertionError("no iPhone visit in the fixture"));
    // A visitor that looks human and then turns out to be a bot: its session is counted as
    // started, then reclassified (rum_sessions_reclassified_total, which the human-session
    // ratios subtract and which the processor exports only once it has counted one). The iPhone
    // visit with consent (so its own session id is the session), then the same session again
    // with the automation flag on its spans.
    Map<String, String> crawlerIds = new HashMap<>();
    for (boolean automated : new boolean[] {false, true}) {
      ObjectNode body = (ObjectNode) Mixin.JSON.readTree(iphone.path("body").asText());
      long shift = System.currentTimeMillis() * 1_000_000L - maxTime(body);
      rewrite(body, SERVICES.get(0), true, crawlerIds, t -> t + shift);
      if (automated) {
        for (JsonNode rs : body.path("resourceSpans")) {
          for (JsonNode ss : rs.path("scopeSpans")) {
            for (JsonNode span : ss.path("spans")) ((ArrayNode) span.path("attributes")).add(attribute("browser.webdriver", "true"));
          }
        }
      }
      HttpResponse<String> r = post(body.toString(), iphone.path("hdr"));
      assertThat(r.statusCode()).as("POST /v1/traces (reclassified visit): %s", r.body()).isEqualTo(200);
    }
    // A burst of one-page iPhone visits, more than the processor's session slots (see
    // startProcessor): the oldest sessions are evicted. Its visitors sign in as the returning
    // iPhone user; 1.5 s after the last round, so the returning series the rounds created has
    // been scraped before it grows (else its increase, and the returning share, is 0/0).
    Thread.sleep(1500);
    for (int i = 0; i < BURST; i++) {
      ObjectNode body = (ObjectNode) Mixin.JSON.readTree(iphone.path("body").asText());
      long shift = System.currentTimeMillis() * 1_000_000L - maxTime(body);
      rewrite(body, SERVICES.get(i % SERVICES.size()), true, new HashMap<>(), t -> t + shift);
      HttpResponse<String> r = post(body.toString(), iphone.path("hdr"));
      assertThat(r.statusCode()).as("POST /v1/traces: %s", r.body()).isEqualTo(200);
    }
    // A body that is not OTLP/JSON: refused whole (receiver outcome malformed).
    HttpResponse<String> malformed = post("{\"resourceSpans\": [", Mixin.JSON.createObjectNode());
    assertThat(malformed.statusCode()).as("malformed request").isBetween(400, 499);
    // Spans dated 1970: rejected one by one (outcome invalid_timestamp).
    ObjectNode old = (ObjectNode) Mixin.JSON.readTree(lines.get(0).path("body").asText());
    rewrite(old, SERVICES.get(0), true, new HashMap<>(), t -> 1_000_000_000L);
    HttpResponse<String> rejected = post(old.toString(), lines.get(0).path("hdr"));
    assertThat(rejected.statusCode()).as("request with invalid spans: %s", rejected.body()).isBetween(200, 499);
  }

  /**
   * The very first visit of a site once Prometheus has scraped its series at zero: without them
   * the series would appear with its first increment and show no increase at all.
   */
  void firstSessionOfANewSite() throws Exception {
    waitFor("the new site's series at zero in Prometheus", Duration.ofSeconds(30),
        () -> hasData("rum_sessions_started_total{job=\"" + JOB + "\", service_name=\"" + FIRST_SITE + "\"} == 0"));
    JsonNode line;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      line = null;
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!l.isBlank() && Mixin.JSON.readTree(l).path("hdr").path("User-Agent").asText().contains("iPhone")) {
          line = Mixin.JSON.readTree(l);
          break;
        }
      }
    }
    assertThat(line).as("an iPhone visit in the fixture").isNotNull();
    ObjectNode body = (ObjectNode) Mixin.JSON.readTree(line.path("body").asText());
    long shift = System.currentTimeMillis() * 1_000_000L - maxTime(body);
    rewrite(body, FIRST_SITE, true, new HashMap<>(), t -> t + shift);
    HttpResponse<String> r = post(body.toString(), line.path("hdr"));
    assertThat(r.statusCode()).as("POST /v1/traces (a new site's first visit): %s", r.body()).isEqualTo(200);
  }

  /**
   * A fetch of the campaign visitor's page as a browser CLIENT span with a new trace id, then
   * the backend's SERVER span of that trace (joins the session: outcome attributed) and a
   * SERVER span of a trace no browser started (outcome unattributed).
   */
  void backendSpans(JsonNode line, String service, boolean consent, Map<String, String> ids, long shift) throws Exception {
    ObjectNode body = (ObjectNode) Mixin.JSON.readTree(line.path("body").asText());
    rewrite(body, service, consent, ids, t -> t + shift);
    ObjectNode rs = (ObjectNode) body.path("resourceSpans").get(0);
    ObjectNode ss = (ObjectNode) rs.path("scopeSpans").get(0);
    ObjectNode fetch = (ObjectNode) ss.path("spans").get(0);
    String traceId = randomHex(32);
    fetch.put("traceId", traceId);
    fetch.put("spanId", randomHex(16));
    fetch.put("kind", 3);
    ss.putArray("spans").add(fetch);
    rs.putArray("scopeSpans").add(ss);
    body.putArray("resourceSpans").add(rs);
    HttpResponse<String> r = post(body.toString(), line.path("hdr"));
    assertThat(r.statusCode()).as("POST /v1/traces (browser fetch): %s", r.body()).isEqualTo(200);

    long now = System.currentTimeMillis() * 1_000_000L;
    ObjectNode backend = Mixin.JSON.createObjectNode();
    ObjectNode brs = backend.putArray("resourceSpans").addObject();
    // The backend has one service name whichever site's browser called it: its counters grow.
    brs.putObject("resource").putArray("attributes").add(attribute("service.name", SERVICES.get(0)));
    ObjectNode bss = brs.putArray("scopeSpans").addObject();
    bss.putObject("scope").put("name", "io.opentelemetry.servlet");
    ArrayNode spans = bss.putArray("spans");
    for (String trace : List.of(traceId, randomHex(32))) {
      ObjectNode span = spans.addObject();
      span.put("traceId", trace);
      span.put("spanId", randomHex(16));
      span.put("name", "GET /p1.html");
      span.put("kind", 2);
      span.put("startTimeUnixNano", String.valueOf(now));
      span.put("endTimeUnixNano", String.valueOf(now + 5_000_000L));
    }
    HttpResponse<String> b = post(backend.toString(), Mixin.JSON.createObjectNode());
    assertThat(b.statusCode()).as("POST /v1/traces (backend): %s", b.body()).isEqualTo(200);
  }

  HttpResponse<String> post(String body, JsonNode recordedHeaders) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + otlpHttpPort + "/v1/traces"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (String h : List.of("User-Agent", "Origin", "Referer", "Accept-Language")) {
      if (recordedHeaders.hasNonNull(h)) b.header(h, recordedHeaders.path(h).asText());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sets service and consent on every resource, new session ids, new trace and span ids (a
   * browser never sends a span id twice; the processor counts a span sent again once), and
   * shifted timestamps.
   */
  static void rewrite(ObjectNode body, String service, boolean consent, Map<String, String> ids,
      java.util.function.LongUnaryOperator time) {
    Map<String, String> newIds = new HashMap<>();
    for (JsonNode rs : body.path("resourceSpans")) {
      for (JsonNode ss : rs.path("scopeSpans")) {
        for (JsonNode span : ss.path("spans")) {
          ObjectNode o = (ObjectNode) span;
          o.put("traceId", newIds.computeIfAbsent(o.path("traceId").asText(), k -> randomHex(32)));
          o.put("spanId", newIds.computeIfAbsent(o.path("spanId").asText(), k -> randomHex(16)));
          if (o.hasNonNull("parentSpanId") && !o.path("parentSpanId").asText().isEmpty()) {
            o.put("parentSpanId", newIds.computeIfAbsent(o.path("parentSpanId").asText(), k -> randomHex(16)));
          }
        }
      }
    }
    for (JsonNode rs : body.path("resourceSpans")) {
      ArrayNode attrs = (ArrayNode) rs.path("resource").path("attributes");
      for (Iterator<JsonNode> it = attrs.iterator(); it.hasNext(); ) {
        String key = it.next().path("key").asText();
        if (key.equals("service.name") || key.equals("consent.analytics")) it.remove();
      }
      attrs.add(attribute("service.name", service));
      if (consent) attrs.add(attribute("consent.analytics", "granted"));
      for (JsonNode ss : rs.path("scopeSpans")) {
        for (JsonNode span : ss.path("spans")) {
          String visitor = null;
          for (JsonNode a : span.path("attributes")) {
            if (a.path("key").asText().equals("session.id")) {
              String old = a.path("value").path("stringValue").asText();
              visitor = "user-" + Integer.toHexString(old.hashCode());
              ((ObjectNode) a.path("value")).put("stringValue", ids.computeIfAbsent(old, k -> randomHex(32)));
            }
          }
          // With consent the fixture's visitors sign in, every round as the same user: new in
          // the first consented round, returning in the next (rum_visitors, visitor_type).
          if (consent && visitor != null) ((ArrayNode) span.path("attributes")).add(attribute("user.id", visitor));
          shiftTimes(span, time);
        }
      }
    }
  }

  static void shiftTimes(JsonNode n, java.util.function.LongUnaryOperator time) {
    if (n.isObject()) {
      ObjectNode o = (ObjectNode) n;
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String f : names) {
        JsonNode v = o.get(f);
        if (f.endsWith("UnixNano") && (v.isTextual() || v.isNumber())) {
          o.put(f, String.valueOf(time.applyAsLong(Long.parseLong(v.asText()))));
        } else {
          shiftTimes(v, time);
        }
      }
    } else if (n.isArray()) {
      n.forEach(c -> shiftTimes(c, time));
    }
  }

  static long maxTime(JsonNode n) {
    long max = 0;
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        max = Math.max(max, e.getKey().endsWith("UnixNano") ? Long.parseLong(e.getValue().asText()) : maxTime(e.getValue()));
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) max = Math.max(max, maxTime(c));
    }
    return max;
  }

  static ObjectNode attribute(String key, String value) {
    ObjectNode a = Mixin.JSON.createObjectNode();
    a.put("key", key);
    a.putObject("value").put("stringValue", value);
    return a;
  }

  static String randomHex(int chars) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < chars; i++) b.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
    return b.toString();
  }

  // ------------------------------------------------------------------ the checks

  @Test
  void theProcessorExportedSpansToItsOtlpBackend() {
    assertThat(exportRequests.get()).as("OTLP export requests the sink received").isPositive();
  }

  /** A site's first session shows as an increase, as on the Sessions panels (its series were created at zero). */
  @Test
  void aSitesFirstSessionShowsAsAnIncrease() throws Exception {
    assertThat(hasData("sum(increase(rum_sessions_started_total{job=\"" + JOB + "\", service_name=\"" + FIRST_SITE + "\"}[5m])) > 0"))
        .as("increase of the new site's rum_sessions_started_total%nprocessor log:%n%s", log("processor.log")).isTrue();
  }

  /** The feed's reclassified visit reached Prometheus: the human-session ratios subtract it. */
  @Test
  void theVisitFoundToBeABotAfterItStartedIsCountedAsReclassified() throws Exception {
    assertThat(hasData("sum(rum_sessions_reclassified_total{job=\"" + JOB + "\"}) >= 1"))
        .as("rum_sessions_reclassified_total >= 1%nprocessor log:%n%s", log("processor.log")).isTrue();
  }

  @Test
  void prometheusLoadedEveryRuleAndEvaluatesItWithoutError() throws Exception {
    JsonNode groups = api("/api/v1/rules", Map.of()).path("data").path("groups");
    Map<String, JsonNode> loaded = new LinkedHashMap<>();
    for (JsonNode g : groups) for (JsonNode r : g.path("rules")) loaded.put(r.path("name").asText(), r);
    List<Mixin.Rule> ours = new ArrayList<>(Mixin.recordingRules());
    ours.addAll(Mixin.alerts());
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule r : ours) {
      JsonNode l = loaded.get(r.name());
      if (l == null) {
        problems.add(r + ": not loaded");
      } else if (!"ok".equals(l.path("health").asText())) {
        problems.add(r + ": health " + l.path("health").asText() + " " + l.path("lastError").asText());
      }
    }
    assertThat(problems).isEmpty();
  }

  /**
   * The heart of "a renamed metric breaks this test": every metric any panel, variable or rule
   * reads exists in Prometheus, scraped from the processor or recorded by our rules, and has the
   * labels the contract promises and the queries match on.
   */
  @Test
  void everyMetricTheDashboardsAndRulesReadIsExportedWithItsLabels() throws Exception {
    Map<String, Set<String>> matched = new LinkedHashMap<>(); // metric -> labels matched on
    List<String> exprs = new ArrayList<>();
    for (Mixin.Dashboard d : Mixin.dashboards()) {
      Mixin.targets(d).values().forEach(t -> exprs.add(t.path("expr").asText()));
      for (JsonNode v : d.variables()) {
        Mixin.LabelValues lv = "query".equals(v.path("type").asText()) ? Mixin.labelValues(Mixin.variableQuery(v)) : null;
        if (lv != null) {
          exprs.add(lv.selector());
          PromQl.selectors(lv.selector()).forEach(s -> matched.computeIfAbsent(s.metric(), k -> new TreeSet<>()).add(lv.label()));
        }
      }
    }
    Mixin.recordingRules().forEach(r -> exprs.add(r.expr()));
    Mixin.alerts().forEach(r -> exprs.add(r.expr()));
    for (String e : exprs) {
      for (PromQl.Selector s : PromQl.selectors(e)) {
        matched.computeIfAbsent(s.metric(), k -> new TreeSet<>()).addAll(s.matchers().keySet());
      }
    }

    Set<String> names = new HashSet<>();
    api("/api/v1/label/__name__/values", Map.of()).path("data").forEach(n -> names.add(n.asText()));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : matched.entrySet()) {
      String metric = e.getKey();
      // Exported only in the distributed mode, which needs a Kafka cluster: collector-processor's
      // DistributedModeTest scrapes them from live instances.
      if (MetricContract.DISTRIBUTED_ONLY.contains(metric)) continue;
      if (!names.contains(metric)) {
        problems.add(metric + ": no such series in Prometheus"
            + (recorded.contains(metric) ? " (recorded from metrics that are missing)" : " (not exported by the processor)"));
        continue;
      }
      Set<String> labels = seriesLabels(metric);
      Set<String> expected = new TreeSet<>(e.getValue());
      if (!recorded.contains(metric) && MetricContract.SCRAPED.containsKey(metric)) {
        expected.addAll(MetricContract.SCRAPED.get(metric));
      }
      expected.remove("__name__");
      expected.removeAll(labels);
      if (!expected.isEmpty()) problems.add(metric + ": lacks labels " + expected + " (has " + labels + ")");
    }
    assertThat(problems).as("metrics the dashboards and rules read%nprocessor log:%n%s", log("processor.log")).isEmpty();
  }

  @Test
  void everyVariableQueryReturnsValues() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Mixin.Dashboard d : Mixin.dashboards()) {
      Map<String, String> values = variableValues(d);
      for (JsonNode v : d.variables()) {
        if (!"query".equals(v.path("type").asText())) continue;
        Mixin.LabelValues lv = Mixin.labelValues(Mixin.variableQuery(v));
        List<String> found = labelValues(lv.label(), Mixin.substitute(lv.selector(), values));
        if (found.isEmpty()) problems.add(d.title() + " / $" + v.path("name").asText() + ": no values");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyPanelQueryParsesAndReturnsData() throws Exception {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Mixin.Dashboard d : Mixin.dashboards()) {
      Map<String, String> values = variableValues(d);
      for (Map.Entry<String, JsonNode> e : Mixin.targets(d).entrySet()) {
        String raw = e.getValue().path("expr").asText();
        String expr = Mixin.substitute(raw, values);
        boolean instant = e.getValue().path("instant").asBoolean(false);
        JsonNode r = instant ? instantQuery(expr) : rangeQuery(expr);
        checked++;
        if (!"success".equals(r.path("status").asText())) {
          problems.add(e.getKey() + ": " + r.path("error").asText() + "\n    " + expr);
        } else if (!lookingBack(raw) && !hasFiniteValue(r)) {
          problems.add(e.getKey() + ": no data\n    " + expr);
        }
      }
    }
    assertThat(checked).isGreaterThan(50);
    assertThat(problems).as("panel queries%nprocessor log:%n%s", log("processor.log")).isEmpty();
  }

  @Test
  void everyRecordingRuleReturnsDataAndItsSeriesIsRecorded() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule r : Mixin.recordingRules()) {
      JsonNode direct = instantQuery(r.expr());
      if (!"success".equals(direct.path("status").asText())) {
        problems.add(r + ": " + direct.path("error").asText());
      } else if (!hasFiniteValue(direct)) {
        problems.add(r + ": expression returns no data");
      }
      if (!hasFiniteValue(instantQuery(r.name()))) problems.add(r + ": nothing recorded");
    }
    assertThat(problems).isEmpty();
  }

  /**
   * Alert expressions are empty while all is well, and the ones that look back a day or a week
   * cannot have data in a fresh Prometheus: each must parse and evaluate; the metrics they read
   * are checked by {@link #everyMetricTheDashboardsAndRulesReadIsExportedWithItsLabels}.
   */
  @Test
  void everyAlertExpressionParsesAndEvaluates() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule a : Mixin.alerts()) {
      JsonNode r = instantQuery(a.expr());
      if (!"success".equals(r.path("status").asText())) problems.add(a + ": " + r.path("error").asText());
    }
    assertThat(problems).isEmpty();
  }

  // ------------------------------------------------------------------ Prometheus API

  /** Values for the dashboard's variables as Grafana would send them with "All" selected. */
  Map<String, String> variableValues(Mixin.Dashboard d) throws Exception {
    long rangeSeconds = (System.currentTimeMillis() - feedStartMillis) / 1000 + 60;
    Map<String, String> v = new HashMap<>();
    // The window since the feed began, as Grafana's $__rate_interval grows with a panel's time
    // range: a fixed 15 s once let every increment age out of the window while the set-up still
    // waited for other series, leaving 0/0 in the ratio panels.
    v.put("__rate_interval", rangeSeconds + "s");
    v.put("__interval", "1s");
    v.put("__range", rangeSeconds + "s");
    v.put("datasource", "prometheus");
    for (JsonNode var : d.variables()) {
      if (!"query".equals(var.path("type").asText())) continue;
      String name = var.path("name").asText();
      if (name.equals("service_name") || name.equals("job")) {
        // Chosen values come from the variable's own query, as in Grafana.
        Mixin.LabelValues lv = Mixin.labelValues(Mixin.variableQuery(var));
        List<String> found = labelValues(lv.label(), Mixin.substitute(lv.selector(), v));
        v.put(name, found.isEmpty() ? "no-value" : "(" + String.join("|", found) + ")");
      } else {
        v.put(name, var.path("allValue").asText(".*"));
      }
    }
    return v;
  }

  static boolean lookingBack(String expr) {
    return expr.matches("(?s).*\\boffset\\b.*");
  }

  JsonNode instantQuery(String expr) throws Exception {
    return apiPost("/api/v1/query", Map.of("query", expr));
  }

  JsonNode rangeQuery(String expr) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    long start = feedStartMillis / 1000 - 5;
    return apiPost("/api/v1/query_range",
        Map.of("query", expr, "start", String.valueOf(start), "end", String.valueOf(now), "step", "1"));
  }

  static boolean hasFiniteValue(JsonNode response) {
    for (JsonNode series : response.path("data").path("result")) {
      if (series.has("value") && finite(series.path("value").get(1).asText())) return true;
      for (JsonNode point : series.path("values")) {
        if (finite(point.get(1).asText())) return true;
      }
    }
    return false;
  }

  static boolean finite(String v) {
    return !v.equals("NaN") && !v.endsWith("Inf");
  }

  boolean hasData(String expr) {
    try {
      return hasFiniteValue(instantQuery(expr));
    } catch (Exception e) {
      return false;
    }
  }

  List<String> labelValues(String label, String selector) throws Exception {
    List<String> out = new ArrayList<>();
    api("/api/v1/label/" + label + "/values", Map.of("match[]", selector)).path("data").forEach(n -> out.add(n.asText()));
    return out;
  }

  Set<String> seriesLabels(String metric) throws Exception {
    Set<String> labels = new TreeSet<>();
    for (JsonNode s : api("/api/v1/series", Map.of("match[]", metric)).path("data")) s.fieldNames().forEachRemaining(labels::add);
    return labels;
  }

  JsonNode api(String path, Map<String, String> params) throws Exception {
    String query = form(params);
    HttpRequest req = HttpRequest.newBuilder(URI.create(promUrl(path) + (query.isEmpty() ? "" : "?" + query)))
        .timeout(Duration.ofSeconds(20)).GET().build();
    return Mixin.JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }

  JsonNode apiPost(String path, Map<String, String> params) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(promUrl(path)))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(params))).build();
    return Mixin.JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }

  static String form(Map<String, String> params) {
    List<String> parts = new ArrayList<>();
    params.forEach((k, v) -> parts.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return String.join("&", parts);
  }

  String promUrl(String path) {
    return "http://127.0.0.1:" + prometheusPort + path;
  }

  // ------------------------------------------------------------------ plumbing

  int status(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  void waitFor(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what
            + "\nprocessor log:\n" + log("processor.log") + "\nprometheus log:\n" + log("prometheus.log"));
      }
      Thread.sleep(250);
    }
  }

  String log(String name) {
    try {
      Path p = dir.resolve(name);
      if (!Files.exists(p)) return "(none)";
      List<String> lines = Files.readAllLines(p);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code n} free loopback ports, distinct: each is held open until all are chosen, since a port
   * closed again may be the very next one the kernel hands out.
   */
  static int[] freePorts(int n) throws IOException {
    ServerSocket[] held = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ports[i] = held[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) if (s != null) s.close();
    }
  }

  static int freePort() throws IOException {
    return freePorts(1)[0];
  }
}

package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.rumsessions.e2e.OtlpCapture.Exported;
import io.rumsessions.kafka.broker.KafkaBroker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed mode (issue #20), end to end, with real parts only: the OpenTelemetry JS web SDK
 * and Grafana Faro Web SDK pages of {@link BrowserSdkE2ETest} in Debian's headless Chromium
 * (e2e/web/visits.mjs) post OTLP/HTTP to the Collector built with ocb, which runs the shipped
 * example {@code collector-processor/examples/collector-kafka.yaml} (otlp receiver with CORS,
 * {@code resource/browser}, the {@code kafka} exporter into {@code otlp_spans}, 3 partitions) in
 * front of a real KRaft broker ({@link KafkaBroker}); two processor JVMs in distributed mode
 * ({@code --kafka-bootstrap}) share the work as one Kafka Streams application; Prometheus scrapes
 * both, and every count is read through its HTTP API, summed over both instances, as a dashboard
 * would. The processors export session spans to an OTLP receiver in the test.
 *
 * <p>Nine visitors: on OpenTelemetry pages a bounce, three pages from a UTM-tagged URL, a visit
 * from Google with a click, one that idles past the timeouts (two sessions), two tabs (one
 * session), one without a consent signal (denied: the cookie-free id, whose salt the instances
 * share through Kafka), and a bot; on Faro pages two pages, and a bounce. The embedded test's
 * backend and {@code /rum.js} visitors are left out: the processors here take no OTLP themselves.
 */
class DistributedModeBrowserE2ETest {
  static final String SERVICE = "rum-e2e-web";
  static final String FARO_SERVICE = "rum-e2e-faro";
  static final Duration TIMEOUT = Duration.ofSeconds(4);
  static final int INPUT_PARTITIONS = 3;
  static final int SESSION_PARTITIONS = 6;
  static final List<String> VISITORS = List.of("idle", "bounce", "utm", "search", "two_tabs", "consent_denied", "bot",
      "faro_two_pages", "faro_bounce");

  @TempDir static Path dir;

  static final ObjectMapper JSON = new ObjectMapper();
  static KafkaBroker broker;
  static E2eStack stack;
  static PrometheusApi prom;
  static OtlpCapture export;
  static HttpServer pages;
  static final List<ExternalProcess> instances = new ArrayList<>();
  static final List<Integer> metricsPorts = new ArrayList<>();
  static JsonNode visits;
  static long setupMillis;
  static long visitsMillis;
  static long untilAssertionsMillis;

  @BeforeAll
  @Timeout(value = 40, unit = TimeUnit.MINUTES) // a cold ocb build takes minutes on 2 cores
  static void startVisitAndWait() throws Exception {
    long t0 = System.nanoTime();
    Path repo = E2eStack.repoRoot();
    Path web = repo.resolve("e2e/web");
    Path node = ExternalProcess.find("NODE", "node", "install Node.js 18+ (Debian: apt-get install -y nodejs npm)");
    Path chromium = ExternalProcess.find("CHROMIUM", "chromium", "install the Debian package with `apt-get install -y chromium`");
    Path promBinary = ExternalProcess.find("PROMETHEUS", "prometheus",
        "install the Debian package with `apt-get install -y prometheus`");
    if (!Files.isDirectory(web.resolve("node_modules/playwright-core"))
        || !Files.isDirectory(web.resolve("node_modules/@opentelemetry/sdk-trace-web"))) {
      throw new AssertionError(web.resolve("node_modules") + " is missing or incomplete: run "
          + "`npm ci --ignore-scripts --prefix e2e/web` from the repository root (.ci/run does)");
    }
    Path exampleConfig = repo.resolve("collector-processor/examples/collector-kafka.yaml");
    assertThat(exampleConfig).as("the Collector config the README ships").isRegularFile();

    stack = new E2eStack(dir);
    Path collectorBinary = stack.buildCollector();

    // The broker, and the input topic with several partitions (auto-created it would have one).
    broker = KafkaBroker.start(dir.resolve("kafka"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("otlp_spans", INPUT_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    // Two processors in distributed mode, child JVMs as a user runs them (RumSessionsMain), started
    // together; settings for a quick test as in DistributedModeTest.
    export = new OtlpCapture();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 1; i <= 2; i++) {
      int[] ports = E2eStack.freePorts(3);
      metricsPorts.add(ports[2]);
      instances.add(stack.started("processor-" + i, Map.of(), List.of(java, "-Xmx256m",
          "-cp", System.getProperty("java.class.path"),
          "io.rumsessions.processor.RumSessionsMain",
          "--otlp-http-port", Integer.toString(ports[0]),
          "--otlp-grpc-port", Integer.toString(ports[1]),
          "--metrics-port", Integer.toString(ports[2]),
          "--set", "receiver.host=127.0.0.1",
          "--set", "metrics.host=127.0.0.1",
          "--kafka-bootstrap", broker.bootstrap(),
          "--state-dir", dir.resolve("processor-" + i).toString(),
          "--inactivity-timeout", TIMEOUT.toSeconds() + "s",
          // consent.default stays `denied`: the visitor without a consent signal is denied.
          "--set", "session.allowed-lateness=1s",
          "--set", "session.engaged-after=10s",
          "--set", "export.endpoint=" + export.endpoint(),
          "--set", "export.protocol=http/protobuf",
          "--set", "kafka.partitions=" + SESSION_PARTITIONS,
          "--set", "kafka.commit-interval=200ms",
          "--set", "kafka.tick-interval=250ms",
          "--set", "kafka.idle-after=2s",
          "--set", "state.checkpoint-interval=3s")));
    }

    // The Collector: the shipped example, only its ${env:…} values set.
    int[] ports = E2eStack.freePorts(3);
    stack.collectorGrpcPort = ports[0];
    stack.collectorHttpPort = ports[1];
    stack.collectorTelemetryPort = ports[2];
    pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    String origin = "http://127.0.0.1:" + pages.getAddress().getPort();
    stack.collectorCommand = List.of(collectorBinary.toString(), "--config=" + exampleConfig);
    stack.collector = stack.started("collector", Map.of(
        "RUM_KAFKA_BROKERS", broker.bootstrap(),
        "RUM_COLLECTOR_GRPC_ENDPOINT", "127.0.0.1:" + stack.collectorGrpcPort,
        "RUM_COLLECTOR_HTTP_ENDPOINT", "127.0.0.1:" + stack.collectorHttpPort,
        "RUM_CORS_ORIGIN", origin,
        "RUM_COLLECTOR_TELEMETRY_HOST", "127.0.0.1",
        "RUM_COLLECTOR_TELEMETRY_PORT", Integer.toString(stack.collectorTelemetryPort)), stack.collectorCommand);
    stack.waitFor("the Collector to listen", Duration.ofSeconds(30), () -> {
      stack.collector.assertAlive();
      return E2eStack.listening(stack.collectorHttpPort) && E2eStack.listening(stack.collectorTelemetryPort);
    });
    stack.startPrometheus(promBinary, metricsPorts);
    prom = stack.prom;

    // Both instances run, and the session partitions are shared out, before anyone visits.
    stack.waitFor("both instances to run and share the " + SESSION_PARTITIONS + " session partitions", Duration.ofSeconds(120), () -> {
      instances.forEach(ExternalProcess::assertAlive);
      return prom.scalar("count(up{job=\"rum-sessions\"} == 1)") == 2
          && prom.scalar("sum(rum_kafka_partitions)") == SESSION_PARTITIONS
          && prom.scalar("count(rum_kafka_partitions > 0)") == 2;
    });

    Path bundle = dir.resolve("web/rum-page.js");
    Path faroBundle = dir.resolve("web/faro-page.js");
    run(List.of(node.toString(), web.resolve("build.mjs").toString(), bundle.toString()), web, Map.of(), "esbuild");
    String config = "window.RUM_E2E = " + JSON.writeValueAsString(Map.of(
        "service", SERVICE,
        "faroService", FARO_SERVICE,
        "collector", "http://127.0.0.1:" + stack.collectorHttpPort,
        "backend", "",
        "sessionTimeoutSeconds", TIMEOUT.toSeconds())) + ";\n";
    pages.createContext("/", ex -> {
      try (ex) {
        String path = ex.getRequestURI().getPath();
        byte[] body = null;
        String type = "text/html; charset=utf-8";
        if (path.equals("/config.js")) {
          body = config.getBytes(StandardCharsets.UTF_8);
          type = "text/javascript";
        } else if (path.equals("/rum-page.js") || path.equals("/faro-page.js")) {
          body = Files.readAllBytes(path.equals("/rum-page.js") ? bundle : faroBundle);
          type = "text/javascript";
        } else if (path.matches("/(index|p2|p3)\\.html|/faro/(index|p2)\\.html")) {
          body = Files.readAllBytes(web.resolve("pages" + path));
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
    String out = run(List.of(node.toString(), web.resolve("visits.mjs").toString(), origin, chromium.toString()), web,
        Map.of("RUM_E2E_VISITORS", String.join(",", VISITORS)), "visits");
    visitsMillis = (System.nanoTime() - v0) / 1_000_000;
    visits = JSON.readTree(out);
    StringBuilder browser = new StringBuilder();
    for (JsonNode v : visits.path("visitors")) {
      browser.append("\nvisitor ").append(v.path("name").asText()).append(": ").append(v.path("ms").asLong())
          .append(" ms, ids ").append(sessionIds(v.path("name").asText())).append(", posts to the Collector ")
          .append(v.path("posts")).append(", SDK diagnostics ").append(v.path("diagnostics"));
    }
    System.out.println(browser.toString().strip());

    // Sessions end timeout + lateness after their last span, once every input partition's time
    // (or, for a quiet one, the clock less kafka.idle-after) has passed; a scrape shows them once committed.
    int expected = expectedSessions();
    stack.waitFor("Prometheus to see " + expected + " ended sessions and the bot;" + browser, Duration.ofSeconds(90), () -> {
      stack.collector.assertAlive();
      stack.prometheus.assertAlive();
      instances.forEach(ExternalProcess::assertAlive);
      return prom.scalar("sum(rum_sessions_ended_total)") >= expected
          && prom.scalar("sum(rum_bot_sessions_total)") >= 1
          && prom.scalar("count(up{job=\"rum-sessions\"} == 1)") == 2
          && prom.scalar("sum(rum_sessions_active)") == 0
          && export.named("session").size() >= expected;
    });
    Thread.sleep(2_500); // two more scrapes: anything that would still change shows up
    untilAssertionsMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("setup %d ms, visits %d ms (Chromium %s), until the assertions %d ms%n", setupMillis,
        visitsMillis, visits.path("chromium").asText(), untilAssertionsMillis);
    System.out.println("sessions started per instance and partition: "
        + prom.vector("sum by (instance, partition) (rum_sessions_started_total) > 0"));
    System.out.println("session partitions per instance: " + prom.vector("rum_kafka_partitions"));
    System.out.println("ended by channel: " + prom.vector("sum by (channel) (rum_sessions_ended_total)"));
    System.out.println("spans by outcome: " + prom.vector("sum by (outcome) (rum_spans_received_total)")
        + ", the Collector's kafka exporter: " + prom.vector("{__name__=~\"otelcol_exporter_sen.*spans.*\"}"));
  }

  @AfterAll
  static void stopEverything() {
    if (pages != null) pages.stop(0);
    if (stack != null) stack.close(); // the Collector, Prometheus and both instances (SIGTERM)
    if (broker != null) broker.close();
    if (export != null) export.close();
  }

  @Test
  void everyVisitorRanInChromiumWithOneSessionIdExceptAfterIdling() {
    assertThat(names()).containsExactlyInAnyOrderElementsOf(VISITORS);
    for (JsonNode v : visits.path("visitors")) {
      String name = v.path("name").asText();
      assertThat(v.path("errors")).as(name + " page errors").isEmpty();
      assertThat(sessionIds(name)).as(name + ": distinct session.id values the page reported")
          .hasSize(name.equals("idle") ? 2 : 1);
    }
    assertThat(expectedSessions()).isEqualTo(9);
  }

  @Test
  void prometheusHoldsTheSessionsBouncesPageviewsAndEngagementSummedOverBothInstances() {
    // OpenTelemetry pages: bounce 1, utm 1, search 1, idle 2, two tabs 1, denied 1 (the bot: none); Faro 2.
    assertThat(q("sum(rum_sessions_started_total)")).as("sessions started").isEqualTo(9);
    assertThat(q("sum(rum_sessions_ended_total)")).as("sessions ended").isEqualTo(9);
    // bounce, both idle sessions (one page each, no click), the Faro bounce
    assertThat(q("sum(rum_session_bounces_total)")).as("bounces").isEqualTo(4);
    // 1 + 3 + 1 + (1 + 1) + 2 + 2, Faro 2 + 1
    assertThat(q("sum(rum_session_pageviews_sum)")).as("pageviews").isEqualTo(14);
    assertThat(q("sum(rum_session_pageviews_count)")).isEqualTo(9);
    // ≥ 2 pageviews: utm, two tabs, denied, Faro two pages (every visit is far shorter than 10 s)
    assertThat(q("sum(rum_sessions_engaged_total)")).as("engaged").isEqualTo(4);
    assertThat(prom.vector("sum by (device) (rum_sessions_ended_total) > 0"))
        .containsExactlyEntriesOf(Map.of("{device=\"desktop\"}", 9.0));
    for (String metric : List.of("rum_sessions_started_total", "rum_sessions_ended_total")) {
      assertThat(prom.vector("sum by (service_name) (" + metric + ")")).as(metric).containsExactlyInAnyOrderEntriesOf(Map.of(
          "{service_name=\"" + SERVICE + "\"}", 7.0,
          "{service_name=\"" + FARO_SERVICE + "\"}", 2.0));
    }
    assertThat(prom.vector("sum by (service_name) (rum_session_pageviews_sum)")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "{service_name=\"" + SERVICE + "\"}", 11.0,
        "{service_name=\"" + FARO_SERVICE + "\"}", 3.0));
  }

  @Test
  void channelsAndTheCampaignAreAttributedAtSessionStart() {
    for (String metric : List.of("rum_sessions_started_total", "rum_sessions_ended_total")) {
      assertThat(prom.vector("sum by (channel) (" + metric + ") > 0")).as(metric).containsExactlyInAnyOrderEntriesOf(Map.of(
          "{channel=\"direct\"}", 7.0,            // bounce, idle × 2, two tabs, denied, Faro × 2
          "{channel=\"organic_search\"}", 1.0,    // Referer https://www.google.com/
          "{channel=\"email\"}", 1.0));           // utm_medium=email
    }
    assertThat(prom.vector("sum by (service_name, channel) (rum_sessions_ended_total) > 0")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "{channel=\"direct\",service_name=\"" + SERVICE + "\"}", 5.0,
        "{channel=\"organic_search\",service_name=\"" + SERVICE + "\"}", 1.0,
        "{channel=\"email\",service_name=\"" + SERVICE + "\"}", 1.0,
        "{channel=\"direct\",service_name=\"" + FARO_SERVICE + "\"}", 2.0));
    assertThat(q("sum(rum_campaign_sessions_total{source=\"newsletter\",medium=\"email\",campaign=\"spring_sale\"})"))
        .as("the UTM campaign").isEqualTo(1);
    assertThat(q("sum(rum_campaign_sessions_total{source=\"google\"})")).as("the search visit's source").isEqualTo(1);
  }

  @Test
  void theBotIsCountedAsABotAndNotAsASession() {
    assertThat(q("sum(rum_bot_sessions_total)")).isEqualTo(1);
    assertThat(q("sum(rum_bot_spans_total)")).isGreaterThanOrEqualTo(1);
    String botId = sessionIds("bot").iterator().next();
    assertThat(export.named("session")).noneMatch(s -> botId.equals(s.attr("session.id")));
  }

  @Test
  void everySeriesHasItsPartitionAndEachPartitionOneInstance() {
    // Every session counter series carries the session partition it was counted in.
    assertThat(prom.vector("count by (instance) (rum_sessions_started_total{partition=\"\"})")).as("series without a partition").isEmpty();
    Map<String, Double> instancesPerPartition =
        prom.vector("count by (partition) (group by (instance, partition) (rum_sessions_started_total))");
    assertThat(instancesPerPartition).as("instances exposing each partition").isNotEmpty().allSatisfy((p, n) -> assertThat(n).as(p).isEqualTo(1));
    Set<String> partitions = new TreeSet<>();
    instancesPerPartition.keySet().forEach(k -> partitions.add(k.replaceAll("\\D", "")));
    assertThat(partitions).as("session partitions").isSubsetOf(Set.of("0", "1", "2", "3", "4", "5"));
    // Summing without the partition gives the same as summing everything: the sums above are exact.
    assertThat(prom.vector("sum without (instance, partition) (rum_sessions_ended_total) > 0").values().stream()
        .mapToDouble(Double::doubleValue).sum()).isEqualTo(9);
    // Both instances ran session partitions, all of them between them, and both were scraped.
    assertThat(prom.vector("rum_kafka_partitions").values()).hasSize(2).allSatisfy(n -> assertThat(n).isPositive());
    assertThat(q("sum(rum_kafka_partitions)")).isEqualTo(SESSION_PARTITIONS);
    assertThat(q("count(up{job=\"rum-sessions\"} == 1)")).isEqualTo(2);
  }

  @Test
  void everySpanTheCollectorWroteWasReadOnceAndNoneWasLate() {
    // The Collector's own counters (v0.161.0 names them without `_total`), scraped by the same Prometheus.
    double written = q("sum(otelcol_exporter_sent_spans{exporter=\"kafka\"})");
    assertThat(written).as("spans the Collector's kafka exporter wrote").isPositive();
    assertThat(q("sum(otelcol_exporter_send_failed_spans)")).isZero();
    assertThat(q("sum(rum_spans_received_total)")).as("spans the instances read, all outcomes").isEqualTo(written);
    assertThat(q("sum(rum_spans_received_total{outcome!~\"accepted|bot\"})")).as("late, invalid or duplicate spans").isZero();
  }

  @Test
  void theSessionSpansMatchTheMetrics() {
    List<Exported> sessions = export.named("session");
    List<String> ids = sessions.stream().map(s -> s.attr("session.id")).toList();
    assertThat(ids).as("one session span per session, exported once").hasSize(9).doesNotHaveDuplicates();
    double sum = sessions.stream().mapToDouble(s -> Double.parseDouble(s.attr("rum.session.duration_seconds"))).sum();
    assertThat(q("sum(rum_session_duration_seconds_sum)")).as("Prometheus = the session spans")
        .isCloseTo(sum, within(0.001 * sessions.size()));
    // The idle visitor: two sessions of one page each, more than the timeout apart.
    List<String> idle = List.copyOf(sessionIds("idle"));
    Exported first = sessionSpan(idle.get(0));
    Exported second = sessionSpan(idle.get(1));
    assertThat(first.attr("rum.session.pageviews")).isEqualTo("1");
    assertThat(second.attr("rum.session.pageviews")).isEqualTo("1");
    assertThat(second.span().getStartTimeUnixNano() - first.span().getEndTimeUnixNano()).isGreaterThan(TIMEOUT.toNanos());
    assertThat(sessionSpan(only("two_tabs")).attr("rum.session.pageviews")).isEqualTo("2");
    assertThat(sessionSpan(only("utm")).attr("rum.session.pageviews")).isEqualTo("3");
    assertThat(sessionSpan(only("search")).attr("rum.session.channel")).isEqualTo("organic_search");
    // The denied visitor: keyed by the cookie-free id, not by its SDK's id.
    String deniedSdkId = only("consent_denied");
    assertThat(ids).doesNotContain(deniedSdkId);
  }

  @Test
  void theCollectorRanTheShippedExample() {
    assertThat(stack.collectorCommand.get(1)).endsWith("collector-processor/examples/collector-kafka.yaml");
  }

  // ---- helpers ----

  static double q(String promql) {
    return prom.scalar(promql);
  }

  /** One per distinct SDK session id of a human visitor. */
  static int expectedSessions() {
    int n = 0;
    for (JsonNode v : visits.path("visitors")) {
      if (!v.path("name").asText().equals("bot")) n += sessionIds(v.path("name").asText()).size();
    }
    return n;
  }

  static String only(String visitor) {
    Set<String> ids = sessionIds(visitor);
    assertThat(ids).as(visitor + " session ids").hasSize(1);
    return ids.iterator().next();
  }

  static Exported sessionSpan(String sessionId) {
    return export.named("session").stream().filter(s -> sessionId.equals(s.attr("session.id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no session span for " + sessionId + "; session spans: "
            + export.named("session").stream().map(Exported::attributes).toList()));
  }

  static Set<String> sessionIds(String visitor) {
    for (JsonNode v : visits.path("visitors")) {
      if (!v.path("name").asText().equals(visitor)) continue;
      Set<String> ids = new LinkedHashSet<>();
      for (JsonNode step : v.path("steps")) ids.add(step.path("sid").asText());
      return ids;
    }
    throw new AssertionError("no visitor " + visitor + " in " + visits);
  }

  static List<String> names() {
    List<String> out = new ArrayList<>();
    for (JsonNode v : visits.path("visitors")) out.add(v.path("name").asText());
    return out;
  }

  /** Runs a program to completion (3 min at most); fails with its stderr when it fails. Returns its stdout. */
  static String run(List<String> command, Path workDir, Map<String, String> env, String name) throws Exception {
    Path err = dir.resolve(name + ".stderr.log");
    Path out = dir.resolve(name + ".stdout.log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectError(err.toFile()).redirectOutput(out.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish in 180 s:\n" + ExternalProcess.tail(err, 40));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n"
          + ExternalProcess.tail(err, 60) + "\n" + ExternalProcess.tail(out, 20));
    }
    return Files.readString(out);
  }
}

package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.session.StoredSession;
import io.rumsessions.processor.durability.Checkpoints;
import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM writes active sessions to disk and the next start restores them: the session goes
 * on, is not started a second time, and is not lost.
 */
class RestartTest {
  static final String SERVICE = "service_name=\"shop\"";
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  void pageview(ProcessorProcess p, String path) throws Exception {
    long now = System.currentTimeMillis() * 1_000_000L;
    String body = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},
        {"key":"consent.analytics","value":{"stringValue":"granted"}}]},
        "scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"%s","name":"documentLoad",
        "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[
        {"key":"session.id","value":{"stringValue":"visitor-1"}},
        {"key":"url.full","value":{"stringValue":"https://shop.example%s"}},
        {"key":"user_agent.original","value":{"stringValue":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"}}]}]}]}]}
        """.formatted(Long.toHexString(now).substring(0, 16), now, now, path);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void sigtermSnapshotsActiveSessionsAndTheNextStartContinuesThem() throws Exception {
    Path state = dir.resolve("state");
    String[] flags = {"--state-dir", state.toString(), "--inactivity-timeout", "30m"};

    try (ProcessorProcess first = ProcessorProcess.start(dir.resolve("first.log"), flags)) {
      pageview(first, "/");
      pageview(first, "/product");
      Scrape s = Scrape.of(first.metricsPort);
      assertThat(s.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
      assertThat(first.terminate()).isIn(0, 143);
    }
    Path checkpoint = new Checkpoints(state).path();
    assertThat(checkpoint).exists();
    // The checkpoint holds aggregates and paths, never the query strings or user agents.
    String raw = new String(Files.readAllBytes(checkpoint), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(raw).contains("visitor-1").contains("/product").doesNotContain("Mozilla");

    try (ProcessorProcess second = ProcessorProcess.start(dir.resolve("second.log"), flags)) {
      Scrape restored = Scrape.of(second.metricsPort);
      assertThat(restored.sum("rum_sessions_active", SERVICE)).isEqualTo(1);
      // Counters continue from the checkpoint: Prometheus sees no reset.
      assertThat(restored.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
      assertThat(restored.sum("rum_spans_received_total", SERVICE)).isEqualTo(2);
      pageview(second, "/checkout");
      Scrape after = Scrape.of(second.metricsPort);
      // The same session goes on: no second start.
      assertThat(after.sum("rum_sessions_started_total", SERVICE)).isEqualTo(1);
      assertThat(after.sum("rum_sessions_active", SERVICE)).isEqualTo(1);
      assertThat(second.terminate()).isIn(0, 143);
    }
    java.util.Collection<StoredSession> finalState = new Checkpoints(state).read().sessions();
    assertThat(finalState).singleElement().satisfies(x -> {
      assertThat(x.keyId()).isEqualTo("visitor-1");
      assertThat(x.pageviews()).isEqualTo(3);
      assertThat(x.landingPage()).isEqualTo("/");
      assertThat(x.exitPage()).isEqualTo("/checkout");
      assertThat(x.ended()).isFalse();
    });
  }

  @Test
  void withoutConsentNoRawValueReachesMetricsLogsOrTheSnapshot() throws Exception {
    Path state = dir.resolve("state");
    String ip = "203.0.113.77";
    String userId = "user-8812";
    String clientId = "client-id-5d41402abc4b2a76";
    String email = "bob%40example.org";
    String ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    Path log = dir.resolve("privacy.log");
    String metrics;
    try (ProcessorProcess p = ProcessorProcess.start(log, "--state-dir", state.toString())) {
      long now = System.currentTimeMillis() * 1_000_000L;
      String body = """
          {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},
          {"key":"client.address","value":{"stringValue":"%s"}}]},
          "scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"52c63bc2b8af77a7","name":"documentLoad",
          "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[
          {"key":"session.id","value":{"stringValue":"%s"}},{"key":"user.id","value":{"stringValue":"%s"}},
          {"key":"url.full","value":{"stringValue":"https://shop.example/account?email=%s&utm_source=mail"}},
          {"key":"user_agent.original","value":{"stringValue":"%s"}}]}]}]}]}
          """.formatted(ip, now, now, clientId, userId, email, ua);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      metrics = Scrape.of(p.metricsPort).text();
      assertThat(Scrape.of(p.metricsPort).sum("rum_sessions_active", SERVICE)).isEqualTo(1);
      p.terminate();
    }
    String logText = Files.readString(log);
    String snapshot = new String(Files.readAllBytes(new Checkpoints(state).path()), java.nio.charset.StandardCharsets.ISO_8859_1);
    // Everything on disk: checkpoint, state log segments, salts, visitor sketches.
    StringBuilder disk = new StringBuilder();
    List<Path> files;
    try (var walk = Files.walk(state)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).anySatisfy(f -> assertThat(f.getFileName().toString()).startsWith("wal-"));
    for (Path f : files) disk.append(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1));
    for (String where : List.of(metrics, logText, snapshot, disk.toString())) {
      assertThat(where).doesNotContain(ip).doesNotContain(userId).doesNotContain(clientId)
          .doesNotContain("bob").doesNotContain("Macintosh");
    }
    assertThat(snapshot).contains("/account").doesNotContain("utm_source");
  }
}

package io.rumsessions.processor.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.testing.OtlpCaptureServer;
import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outage of the OTLP endpoint with a crash in the middle of it: the endpoint is down, visits
 * arrive and their sessions end, the processor is killed with SIGKILL and started again, and
 * only then does the endpoint come up. Every forwarded span and every session span arrives, once.
 */
class ExportOutageTest {
  private static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";

  @TempDir
  Path dir;

  /** What the endpoint received (nothing while it is down). */
  Map<String, AtomicInteger> received = Map.of();
  OtlpCaptureServer endpoint;
  ProcessorProcess processor;

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
    if (endpoint != null) endpoint.close();
  }

  private static String attr(String k, String v) {
    return "{\"key\":\"" + k + "\",\"value\":{\"stringValue\":\"" + v + "\"}}";
  }

  @Test
  void anOutageWithACrashInItLosesNoSpanAndSendsNoneTwice() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String[] flags = {"--state-dir", dir.resolve("state").toString(), "--inactivity-timeout", "1s",
        "--set", "session.allowed-lateness=0s", "--set", "session.sweep-interval=100ms",
        "--set", "export.endpoint=http://127.0.0.1:" + port, "--set", "export.timeout=1s",
        "--set", "export.retry.initial-interval=100ms", "--set", "export.retry.max-interval=500ms"};
    processor = ProcessorProcess.start(dir.resolve("first.log"), flags);

    HttpClient http = HttpClient.newHttpClient();
    long now = System.currentTimeMillis() * 1_000_000L;
    List<String> spanIds = new ArrayList<>();
    int visits = 30;
    for (int v = 0; v < visits; v++) {
      List<String> spans = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        String spanId = String.format("%016x", 0x5000L + v * 16 + p);
        spanIds.add(spanId);
        long t = now + v * 1_000_000L + p * 500_000_000L;
        spans.add("""
            {"traceId":"%032x","spanId":"%s","name":"documentLoad","kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s,%s,%s]}"""
            .formatted(0x7000L + v, spanId, t, t + 1000, attr("session.id", "visit-" + v),
                attr("url.full", "https://shop.example/p" + p), attr("user_agent.original", UA)));
      }
      String body = """
          {"resourceSpans":[{"resource":{"attributes":[%s,%s]},"scopeSpans":[{"spans":[%s]}]}]}"""
          .formatted(attr("service.name", "shop"), attr("consent.analytics", "granted"), String.join(",", spans));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort + "/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    // The sessions end (1 s idle) while the endpoint is still down: their session spans queue too.
    awaitMetric(processor, "rum_sessions_ended_total", visits);
    Scrape during = Scrape.of(processor.metricsPort);
    assertThat(during.sum("rum_export_queue_bytes")).isPositive();
    assertThat(during.sum("rum_export_retries_total")).isPositive();
    assertThat(during.sum("rum_export_queue_oldest_age_seconds")).isGreaterThanOrEqualTo(0);
    processor.kill();

    processor = ProcessorProcess.start(dir.resolve("second.log"), flags);
    Thread.sleep(500);
    assertThat(received).isEmpty();
    endpoint = OtlpCaptureServer.start(port);
    received = endpoint.received();

    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline && received.size() < spanIds.size() + visits) Thread.sleep(100);
    Thread.sleep(1000);
    long forwarded = received.keySet().stream().filter(k -> k.startsWith("documentLoad/")).count();
    long sessions = received.keySet().stream().filter(k -> k.startsWith("session/")).count();
    assertThat(forwarded).isEqualTo(spanIds.size());
    for (String id : spanIds) assertThat(received).containsKey("documentLoad/" + id);
    assertThat(sessions).isEqualTo(visits);
    assertThat(received.values()).allSatisfy(n -> assertThat(n.get()).as("sent once").isEqualTo(1));
    awaitMetric(processor, "rum_export_spans_total", spanIds.size() + visits, "outcome=\"success\"");
    assertThat(Scrape.of(processor.metricsPort).sum("rum_export_queue_bytes")).isZero();
  }

  private static void awaitMetric(ProcessorProcess p, String name, double want, String... labels) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    double last = 0;
    while (System.nanoTime() < deadline) {
      last = Scrape.of(p.metricsPort).sum(name, labels);
      if (last == want) return;
      Thread.sleep(100);
    }
    assertThat(last).as(name).isEqualTo(want);
  }
}

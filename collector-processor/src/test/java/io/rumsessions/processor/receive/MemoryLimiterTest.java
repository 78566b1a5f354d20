package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory limiter driven there and back on a real process with a small heap: a flood of new
 * sessions fills it, the receiver answers 429 with Retry-After instead of growing, and once the
 * flood stops and the sessions end it accepts again by itself, without having run out of memory.
 */
class MemoryLimiterTest {
  private static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";

  @TempDir
  Path dir;

  private static String request(int batch, int sessions) {
    long now = System.currentTimeMillis() * 1_000_000L;
    StringBuilder spans = new StringBuilder();
    for (int i = 0; i < sessions; i++) {
      if (i > 0) spans.append(',');
      spans.append("""
          {"traceId":"%016x%016x","spanId":"%016x","name":"documentLoad","startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[\
          {"key":"session.id","value":{"stringValue":"flood-%d-%d-%s"}},\
          {"key":"url.full","value":{"stringValue":"https://shop.example/landing/%d"}},\
          {"key":"user_agent.original","value":{"stringValue":"%s"}}]}"""
          .formatted(batch, i, (long) batch << 20 | i, now, now + 1000, batch, i, "x".repeat(40), i % 50, UA));
    }
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},\
        {"key":"consent.analytics","value":{"stringValue":"granted"}}]},"scopeSpans":[{"spans":[%s]}]}]}"""
        .formatted(spans);
  }

  private static HttpResponse<String> post(HttpClient http, ProcessorProcess p, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFloodOfNewSessionsIsRefusedWith429AndTheProcessorRecoversByItself() throws Exception {
    try (ProcessorProcess p = ProcessorProcess.start(dir.resolve("processor.log"), List.of("-Xmx96m", "-XX:+UseSerialGC"),
        "--state-dir", dir.resolve("state").toString(), "--inactivity-timeout", "2s",
        "--set", "session.allowed-lateness=0s", "--set", "session.sweep-interval=200ms",
        "--set", "receiver.memory-limit=55%", "--set", "receiver.memory-check-interval=50ms",
        "--set", "state.recent-spans=65536", "--set", "state.durability=interval")) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> refused = null;
      int batch = 0;
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (refused == null && System.nanoTime() < deadline) {
        HttpResponse<String> r = post(http, p, request(batch++, 2000));
        if (r.statusCode() == 429) refused = r;
        else assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      assertThat(refused).as("no 429 after %d batches of 2000 new sessions", batch).isNotNull();
      // Not refused from the start: the flood itself filled the heap.
      assertThat(batch).isGreaterThan(2);
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(refused.body()).contains("memory");
      Scrape during = Scrape.of(p.metricsPort);
      assertThat(during.sum("rum_receiver_requests_total", "outcome=\"memory_limited\"")).isPositive();

      // The flood stops; its sessions end 2 s later and their memory comes back.
      long recoverBy = System.nanoTime() + 60_000_000_000L;
      int status = 429;
      while (status == 429 && System.nanoTime() < recoverBy) {
        Thread.sleep(250);
        status = post(http, p, request(1_000_000, 1)).statusCode();
      }
      assertThat(status).as("accepting again after the flood").isEqualTo(200);
      System.out.printf("memory limiter: refused after %d batches of 2000 new sessions; accepting again %.1f s later%n",
          batch, (System.nanoTime() - recoverBy + 60_000_000_000L) / 1e9);
      Scrape after = Scrape.of(p.metricsPort);
      assertThat(after.sum("rum_memory_limiter_refusing")).isZero();
      assertThat(after.sum("rum_sessions_started_total")).isGreaterThan(2000);
      assertThat(java.nio.file.Files.readString(dir.resolve("processor.log"))).doesNotContain("OutOfMemoryError");
    }
  }
}

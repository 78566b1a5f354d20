package io.rumsessions.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.testing.ManualClock;
import io.rumsessions.processor.testing.Scrape;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client id flooding spans: 200,000 spans under one session id. The session is an aggregate
 * of counters, so memory stays flat whatever the count; the behaviour rule takes a session of
 * hundreds of pageviews a second for a bot; a real visitor beside it is counted as usual.
 */
class OneClientFloodTest {
  private static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";

  @TempDir
  Path dir;
  RumSessionsProcessor processor;

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  static String batch(String sessionId, int from, int count, long startNanos) {
    StringBuilder spans = new StringBuilder();
    for (int i = from; i < from + count; i++) {
      if (i > from) spans.append(',');
      long t = startNanos + i * 1_000_000L;
      spans.append("""
          {"traceId":"%032x","spanId":"%016x","name":"%s","startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[\
          {"key":"session.id","value":{"stringValue":"%s"}},{"key":"url.full","value":{"stringValue":"https://shop.example/p%d"}},\
          {"key":"user_agent.original","value":{"stringValue":"%s"}}]}"""
          .formatted(sessionId.hashCode() & 0xffffL, (long) i + 1, i % 10 == 0 ? "click" : "documentLoad", t, t + 1000, sessionId, i % 100, UA));
    }
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},\
        {"key":"consent.analytics","value":{"stringValue":"granted"}}]},"scopeSpans":[{"spans":[%s]}]}]}"""
        .formatted(spans);
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void twoHundredThousandSpansOfOneSessionKeepMemoryFlatAndBecomeOneBot() throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1",
        "session.sweep-interval", "1h", "state.dir", dir.resolve("state").toString(), "state.durability", "interval"));
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
    HttpClient http = HttpClient.newHttpClient();
    long start = clock.millis() * 1_000_000L - 300_000_000_000L;
    URI uri = URI.create("http://127.0.0.1:" + processor.httpPort() + "/v1/traces");
    // A real visitor first, then the flood beside it.
    assertThat(http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(batch("real-visitor", 0, 3, start))).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    long before = 0;
    int total = 200_000;
    int per = 2_000;
    for (int from = 0; from < total; from += per) {
      if (from == 20_000) before = usedHeapAfterGc(); // after warm-up: classes, buffers, label sets
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(batch("flood", from, per, start))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    long after = usedHeapAfterGc();

    Scrape s = Scrape.of(processor.metricsPort());
    assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"") + s.sum("rum_spans_received_total", "outcome=\"bot\""))
        .isEqualTo(total + 3);
    assertThat(s.sum("rum_bot_sessions_total", "reason=\"behaviour\"")).isEqualTo(1);
    assertThat(processor.sessions().activeCount()).isEqualTo(2);
    // 180,000 spans after the baseline: a retained byte per span would already be 180 KB.
    assertThat(after - before).as("heap growth over 180,000 spans of one session").isLessThan(8L << 20);

    clock.advance(Duration.ofHours(1));
    processor.sweep(clock.millis());
    Scrape ended = Scrape.of(processor.metricsPort());
    assertThat(ended.sum("rum_sessions_ended_total", "service_name=\"shop\"")).isEqualTo(1);
    assertThat(ended.sum("rum_session_pageviews_sum", "service_name=\"shop\"")).isEqualTo(2);
  }
}

package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;

import static io.rumsessions.processor.testing.ChaosVisits.request;
import static io.rumsessions.processor.testing.ChaosVisits.requests;

import io.rumsessions.processor.testing.ChaosVisits;
import io.rumsessions.processor.testing.ChaosVisits.Visit;
import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos test: the real processor as a child process, a recorded workload whose answers are
 * known exactly, SIGKILL at random moments while the workload is sent (the sender retries what
 * failed, as an OTLP exporter does), a restart on the same state directory after each kill, and
 * the final metrics compared with the answers: nothing lost, nothing counted twice.
 */
class CrashRecoveryTest {
  /** Longer than a visit's spans take to arrive through a few restarts (see requests()). */
  private static final int TIMEOUT_SECONDS = 30;

  @TempDir
  Path dir;

  @Test
  void aBatchSentAgainAfterACrashIsCountedOnce() throws Exception {
    // The answer to an applied and logged batch can be lost in a crash; the client sends it again.
    Path state = dir.resolve("state");
    String[] flags = {"--state-dir", state.toString(), "--set", "state.checkpoint-interval=0s"};
    Visit visit = new Visit("shop", "direct", "again", 2, false, System.currentTimeMillis() * 1_000_000L, null);
    String body = request("shop", List.of(visit.span(0), visit.span(1)));
    HttpClient http = HttpClient.newHttpClient();
    ProcessorProcess first = ProcessorProcess.start(dir.resolve("first.log"), flags);
    assertThat(post(http, first, body)).isEqualTo(200);
    first.kill();
    try (ProcessorProcess second = ProcessorProcess.start(dir.resolve("second.log"), flags)) {
      assertThat(post(http, second, body)).isEqualTo(200);
      Scrape s = Scrape.of(second.metricsPort);
      assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).isEqualTo(2);
      assertThat(s.sum("rum_spans_received_total", "outcome=\"duplicate\"")).isEqualTo(2);
      assertThat(s.sum("rum_sessions_started_total")).isEqualTo(1);
      assertThat(s.sum("rum_sessions_active")).isEqualTo(1);
      assertThat(Files.readString(dir.resolve("second.log"))).contains("1 log records");
    }
  }

  private static int post(HttpClient http, ProcessorProcess p, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.MINUTES) // the long run; CI's takes ~40 s
  void killedAtRandomMomentsTheProcessorCountsEveryAcknowledgedSpanExactlyOnce() throws Exception {
    // -Drum.chaos.kills=50 -Drum.chaos.visits=1000 for the long run the README reports.
    int killsWhileSending = Integer.getInteger("rum.chaos.kills", 5);
    int visitCount = Integer.getInteger("rum.chaos.visits", 120);
    long seed = Long.getLong("rum.chaos.seed", System.nanoTime());
    Random random = new Random(seed);
    List<Visit> visits = ChaosVisits.visits(visitCount, random, false);
    List<String> requests = requests(visits, random);
    Path state = dir.resolve("state");
    String[] flags = {"--state-dir", state.toString(), "--inactivity-timeout", TIMEOUT_SECONDS + "s",
        "--set", "session.allowed-lateness=0s", "--set", "session.sweep-interval=200ms",
        "--set", "state.checkpoint-interval=1500ms"};

    AtomicReference<ProcessorProcess> current = new AtomicReference<>(ProcessorProcess.start(dir.resolve("run-0.log"), flags));
    AtomicBoolean sending = new AtomicBoolean(true);
    AtomicInteger retries = new AtomicInteger();
    Thread sender = new Thread(() -> {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      try {
        for (String body : requests) {
          while (true) {
            ProcessorProcess p = current.get();
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
                  .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) break;
              assertThat(r.statusCode()).as(r.body()).isIn(429, 502, 503, 504);
            } catch (java.io.IOException failed) {
              // Refused, reset or timed out: the processor is down or going down. Send it again.
            }
            retries.incrementAndGet();
            Thread.sleep(50);
          }
          Thread.sleep(random.nextInt(15));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        sending.set(false);
      }
    }, "chaos-sender");
    sender.start();

    int kills = 0;
    while (sending.get() || kills < killsWhileSending) {
      Thread.sleep(300 + random.nextInt(1200));
      current.get().kill();
      kills++;
      current.set(ProcessorProcess.start(dir.resolve("run-" + kills + ".log"), flags));
    }
    sender.join();
    System.out.printf("chaos: seed %d, %d visits, %d spans in %d requests, %d kills while sending, %d retries%n", seed, visits.size(),
        visits.stream().mapToInt(Visit::spans).sum(), requests.size(), kills, retries.get());

    // Every session ends (the timeout after its last span); then one more crash, after the ends.
    Thread.sleep((TIMEOUT_SECONDS + 3) * 1000L);
    current.get().kill();
    kills++;
    ProcessorProcess last = ProcessorProcess.start(dir.resolve("run-" + kills + ".log"), flags);
    current.set(last);
    try {
      Scrape s = Scrape.of(last.metricsPort);
      String why = "seed " + seed + ", " + kills + " kills, " + retries.get() + " retries; spans by outcome: "
          + java.util.stream.Stream.of("accepted", "late", "duplicate", "bot", "session_limit", "invalid", "invalid_timestamp")
              .map(o -> o + " " + (long) s.sum("rum_spans_received_total", "outcome=\"" + o + "\"")).toList();
      int spans = visits.stream().mapToInt(Visit::spans).sum();
      assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).as(why).isEqualTo(spans);
      assertThat(s.sum("rum_sessions_active")).as(why).isZero();
      ChaosVisits.assertExact(visits, s::sum, why);
      // The crashes left a log to replay, and the state on disk is what the rules produced, not requests.
      // (The first kill may come before the first request: any restart counts.)
      StringBuilder restarts = new StringBuilder();
      for (int k = 1; k <= kills; k++) restarts.append(Files.readString(dir.resolve("run-" + k + ".log")));
      assertThat(restarts.toString()).contains("recovered");
      assertThat(kills).isGreaterThanOrEqualTo(killsWhileSending + 1);
    } finally {
      last.close();
    }
  }
}

package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;

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
  private static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";
  private static final List<String> SERVICES = List.of("shop", "blog");
  /** Landing URL query and referrer per channel. */
  private static final Map<String, String[]> CHANNELS = new LinkedHashMap<>();

  static {
    CHANNELS.put("direct", new String[] {"", null});
    CHANNELS.put("organic_search", new String[] {"", "https://www.google.com/"});
    CHANNELS.put("email", new String[] {"?utm_source=newsletter&utm_medium=email&utm_campaign=winter", null});
    CHANNELS.put("paid_search", new String[] {"?utm_source=google&utm_medium=cpc&utm_campaign=brand", null});
  }

  private static final int WINDOW = 8;
  /** Longer than a visit's spans take to arrive through a few restarts (see requests()). */
  private static final int TIMEOUT_SECONDS = 30;

  @TempDir
  Path dir;

  /** One visit: its pageviews, every two seconds of event time, and maybe a click after the last. */
  record Visit(String service, String channel, String id, int pageviews, boolean click, long startNanos) {
    boolean bounce() {
      return pageviews < 2 && !click;
    }

    double durationSeconds() {
      return 2.0 * (pageviews - 1) + (click ? 1 : 0);
    }

    boolean engaged() {
      return durationSeconds() >= 10 || pageviews >= 2;
    }

    int spans() {
      return pageviews + (click ? 1 : 0);
    }

    String span(int i) {
      boolean isClick = i == pageviews;
      long t = startNanos + (isClick ? (long) (2.0 * (pageviews - 1) + 1) * 1_000_000_000L : i * 2_000_000_000L);
      String[] ch = CHANNELS.get(channel);
      String url = "https://" + service + ".example/p" + i + (i == 0 ? ch[0] : "");
      StringBuilder attrs = new StringBuilder()
          .append(attr("session.id", id)).append(',').append(attr("url.full", url)).append(',')
          .append(attr("user_agent.original", UA));
      if (i == 0 && ch[1] != null) attrs.append(',').append(attr("document.referrer", ch[1]));
      return """
          {"traceId":"%032x","spanId":"%016x","name":"%s","kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s]}"""
          .formatted(t, (long) id.hashCode() << 8 | i, isClick ? "click" : "documentLoad", t, t + 1_000_000, attrs);
    }
  }

  private static String attr(String k, String v) {
    return "{\"key\":\"" + k + "\",\"value\":{\"stringValue\":\"" + v + "\"}}";
  }

  private static String request(String service, List<String> spans) {
    return """
        {"resourceSpans":[{"resource":{"attributes":[%s,%s]},"scopeSpans":[{"spans":[%s]}]}]}"""
        .formatted(attr("service.name", service), attr("consent.analytics", "granted"), String.join(",", spans));
  }

  /**
   * Requests of up to three spans from different visits of one service, each visit's spans in
   * order across requests. Visits go through a window of {@value #WINDOW} at a time, as real
   * visits overlap: a visit's spans arrive within a few requests of each other, so however long
   * the run, a session is never idle past the timeout while it still has spans to come.
   */
  private static List<String> requests(List<Visit> visits, Random random) {
    List<String> out = new ArrayList<>();
    for (String service : SERVICES) {
      List<Visit> waiting = new ArrayList<>(visits.stream().filter(v -> v.service().equals(service)).toList());
      List<Visit> window = new ArrayList<>();
      java.util.Map<Visit, Integer> next = new java.util.HashMap<>();
      while (!waiting.isEmpty() || !window.isEmpty()) {
        while (window.size() < WINDOW && !waiting.isEmpty()) window.add(waiting.remove(0));
        List<String> batch = new ArrayList<>();
        List<Visit> shuffled = new ArrayList<>(window);
        java.util.Collections.shuffle(shuffled, random);
        for (Visit v : shuffled.subList(0, Math.min(shuffled.size(), 1 + random.nextInt(3)))) {
          int i = next.merge(v, 1, Integer::sum) - 1;
          batch.add(v.span(i));
          if (i + 1 == v.spans()) window.remove(v);
        }
        out.add(request(service, batch));
      }
    }
    return out;
  }

  @Test
  void aBatchSentAgainAfterACrashIsCountedOnce() throws Exception {
    // The answer to an applied and logged batch can be lost in a crash; the client sends it again.
    Path state = dir.resolve("state");
    String[] flags = {"--state-dir", state.toString(), "--set", "state.checkpoint-interval=0s"};
    Visit visit = new Visit("shop", "direct", "again", 2, false, System.currentTimeMillis() * 1_000_000L);
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
    long now = System.currentTimeMillis() * 1_000_000L;
    List<Visit> visits = new ArrayList<>();
    List<String> channels = List.copyOf(CHANNELS.keySet());
    for (int i = 0; i < visitCount; i++) {
      visits.add(new Visit(SERVICES.get(i % 2), channels.get(random.nextInt(channels.size())), "visit-" + i,
          1 + random.nextInt(5), random.nextBoolean(), now - 60_000_000_000L + i * 100_000_000L));
    }
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
    System.out.printf("chaos: seed %d, %d requests, %d kills while sending, %d retries%n", seed, requests.size(), kills, retries.get());

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
      for (String service : SERVICES) {
        for (String channel : CHANNELS.keySet()) {
          List<Visit> vs = visits.stream().filter(v -> v.service().equals(service) && v.channel().equals(channel)).toList();
          String[] labels = {"service_name=\"" + service + "\"", "channel=\"" + channel + "\""};
          String where = why + ", " + service + "/" + channel;
          assertThat(s.sum("rum_sessions_started_total", labels)).as(where).isEqualTo(vs.size());
          assertThat(s.sum("rum_sessions_ended_total", labels)).as(where).isEqualTo(vs.size());
          assertThat(s.sum("rum_session_bounces_total", labels)).as(where).isEqualTo(vs.stream().filter(Visit::bounce).count());
          assertThat(s.sum("rum_sessions_engaged_total", labels)).as(where).isEqualTo(vs.stream().filter(Visit::engaged).count());
          assertThat(s.sum("rum_session_pageviews_sum", labels)).as(where).isEqualTo(vs.stream().mapToInt(Visit::pageviews).sum());
          assertThat(s.sum("rum_session_duration_seconds_sum", labels)).as(where)
              .isCloseTo(vs.stream().mapToDouble(Visit::durationSeconds).sum(), org.assertj.core.data.Offset.offset(1e-6));
          assertThat(s.sum("rum_session_duration_seconds_count", labels)).as(where).isEqualTo(vs.size());
        }
      }
      // The crashes left a log to replay, and the state on disk is what the rules produced, not requests.
      assertThat(Files.readString(dir.resolve("run-1.log"))).contains("recovered");
      assertThat(kills).isGreaterThanOrEqualTo(killsWhileSending + 1);
    } finally {
      last.close();
    }
  }
}

package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow-loris against the OTLP/HTTP receiver, on a real process (the JDK server's request timeout
 * is JVM-wide and fixed when the JVM's first HTTP server is created, so it needs a JVM of its
 * own): 20 clients trickle their headers and 10 their body, one byte every 500 ms, more of them
 * than the receiver has decoding permits (2). A normal client still gets its 200 at once, every
 * slow connection is closed once {@code receiver.read-timeout} has passed since its first byte,
 * and each is counted as {@code outcome="timeout"}.
 */
class SlowLorisTest {
  private static final int READ_TIMEOUT_S = 4;
  private static final int SLOW_HEADERS = 20;
  private static final int SLOW_BODIES = 10;

  @TempDir Path dir;

  static String span(String sessionId) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},\
        "scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"%016x",\
        "name":"documentLoad","startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[\
        {"key":"session.id","value":{"stringValue":"%s"}},\
        {"key":"user_agent.original","value":{"stringValue":"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}}]}]}]}]}"""
        .formatted(sessionId.hashCode() & 0xffffffffL | 1L << 40, now, now, sessionId);
  }

  /** A client that sends {@code head} at once, then one byte every 500 ms; records when the server closed it. */
  static final class Trickler implements Runnable {
    final int port;
    final String head;
    final long started = System.nanoTime();
    volatile double closedAfterSeconds = -1;

    Trickler(int port, String head) {
      this.port = port;
      this.head = head;
    }

    @Override
    public void run() {
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long giveUp = started + Duration.ofSeconds(READ_TIMEOUT_S + 10).toNanos();
        while (System.nanoTime() < giveUp) {
          Thread.sleep(500);
          // A write to a connection the server closed fails by the second write (the first
          // is answered with a reset); the time is taken at the failure, within ~1 s of the close.
          out.write('x');
          out.flush();
        }
      } catch (IOException closed) {
        closedAfterSeconds = (System.nanoTime() - started) / 1e9;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void slowClientsAreClosedAfterTheReadTimeoutAndDoNotStarveOthers() throws Exception {
    try (ProcessorProcess p = ProcessorProcess.start(dir.resolve("processor.log"),
        "--state-dir", dir.resolve("state").toString(),
        "--set", "receiver.read-timeout=" + READ_TIMEOUT_S + "s",
        "--set", "receiver.max-concurrent-requests=2",
        "--set", "receiver.http-threads=64",
        "--set", "state.durability=interval")) {
      List<Trickler> slow = new ArrayList<>();
      for (int i = 0; i < SLOW_HEADERS; i++) {
        // Headers that never end: a header line, then one byte at a time of the next.
        slow.add(new Trickler(p.httpPort, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: "));
      }
      for (int i = 0; i < SLOW_BODIES; i++) {
        // Complete headers, then a 1000-byte body one byte at a time.
        slow.add(new Trickler(p.httpPort,
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"));
      }
      List<Thread> threads = new ArrayList<>();
      for (Trickler t : slow) {
        Thread th = new Thread(t, "trickler");
        th.start();
        threads.add(th);
      }
      Thread.sleep(1000);

      // While all 30 hold their connections (and the 10 slow bodies are past their headers),
      // a normal client is answered at once, not after the read timeout.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      long before = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
              .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofString(span("normal-visitor"))).build(),
          HttpResponse.BodyHandlers.ofString());
      double normalSeconds = (System.nanoTime() - before) / 1e9;
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(normalSeconds).as("a normal request among %d slow ones", slow.size()).isLessThan(1.5);
      assertThat(slow).as("still open while the normal request was answered").allSatisfy(t -> assertThat(t.closedAfterSeconds).isEqualTo(-1));

      for (Thread t : threads) t.join(Duration.ofSeconds(READ_TIMEOUT_S + 15).toMillis());
      ConcurrentLinkedQueue<Double> closedAfter = new ConcurrentLinkedQueue<>();
      for (Trickler t : slow) closedAfter.add(t.closedAfterSeconds);
      System.out.printf("slow-loris: normal request answered in %.3f s among %d slow clients; slow ones closed after %s s%n",
          normalSeconds, slow.size(), closedAfter.stream().map(d -> String.format("%.1f", d)).distinct().sorted().toList());
      // Closed by the server, not by giving up after READ_TIMEOUT + 10 s; the server's timer runs
      // every second and the failing write comes up to a second after the close.
      assertThat(closedAfter).allSatisfy(s -> assertThat(s).isBetween(READ_TIMEOUT_S - 0.5, READ_TIMEOUT_S + 3.0));

      Scrape s;
      try {
        s = Scrape.of(p.metricsPort);
      } catch (RuntimeException e) {
        // Once seen ("header parser received no bytes"), not reproduced: the process's own log says more.
        System.out.println("processor log:\n" + java.nio.file.Files.readString(dir.resolve("processor.log")));
        throw e;
      }
      assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"timeout\"")).isEqualTo(slow.size());
      assertThat(s.sum("rum_receiver_requests_total", "transport=\"http\"", "outcome=\"ok\"")).isEqualTo(1);
      assertThat(s.sum("rum_spans_received_total", "outcome=\"accepted\"")).isEqualTo(1);
      // And the receiver still answers afterwards.
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(span("after"))).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }
}

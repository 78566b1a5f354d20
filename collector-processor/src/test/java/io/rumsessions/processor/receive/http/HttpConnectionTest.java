package io.rumsessions.processor.receive.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 connection rules of the receiver's server, over raw sockets against a stub
 * application: {@code POST /body} reads its body (answering with its length, after {@code
 * X-Sleep} ms on the worker, which stays {@code X-Linger} ms more), any other path is answered
 * without one. Read timeout 500 ms, idle timeout 1.5 s, a body budget of 1,000 bytes.
 */
class HttpConnectionTest {
  static final Duration READ_TIMEOUT = Duration.ofMillis(500);
  static final Duration IDLE_TIMEOUT = Duration.ofMillis(1500);

  final BodyBudget budget = new BodyBudget(1000);
  final List<String> counted = new CopyOnWriteArrayList<>();
  EventLoopHttpServer server;

  final HttpRequestHandler stub = new HttpRequestHandler() {
    @Override
    public Start begin(HttpRequest head) {
      if (!head.uri().equals("/body")) return new Answer(HttpConnection.text(HttpResponseStatus.NOT_FOUND, "other\n"), false);
      HttpBody body = HttpBody.reserve(budget, HttpUtil.getContentLength(head, -1L), 1000, () -> {});
      return body != null ? new ReadBody(body)
          : new Answer(HttpConnection.text(HttpResponseStatus.TOO_MANY_REQUESTS, "budget spent\n"), true);
    }

    @Override
    public boolean completeNow(HttpRequest head, HttpBody body, InetSocketAddress peer, java.util.function.Consumer<FullHttpResponse> reply,
        java.util.concurrent.Executor loop) {
      if (!head.headers().contains("X-Now")) return false;
      String answer = "now " + body.length() + " on " + (Thread.currentThread().getName().startsWith("otlp-http-io") ? "loop" : "?") + "\n";
      reply.accept(HttpConnection.text(HttpResponseStatus.OK, answer));
      return true;
    }

    @Override
    public void complete(HttpRequest head, HttpBody body, InetSocketAddress peer, java.util.function.Consumer<FullHttpResponse> reply) {
      sleep(head.headers().get("X-Sleep"));
      String answer = "length " + body.length() + "\n";
      if (head.headers().contains("X-Later")) {
        // Answered from another thread after complete returned, as after a state log fsync.
        Thread later = new Thread(() -> reply.accept(HttpConnection.text(HttpResponseStatus.OK, answer)));
        later.start();
        return;
      }
      reply.accept(HttpConnection.text(HttpResponseStatus.OK, answer));
      // Still at work after answering, as a worker is while it lets go of a JSON reader.
      sleep(head.headers().get("X-Linger"));
    }

    private void sleep(String millis) {
      if (millis == null) return;
      try {
        Thread.sleep(Long.parseLong(millis));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public FullHttpResponse tooLarge(HttpRequest head) {
      return HttpConnection.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too large\n");
    }

    @Override
    public FullHttpResponse closing(HttpRequest head) {
      return HttpConnection.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "closing\n");
    }

    @Override
    public void count(String outcome) {
      counted.add(outcome);
    }
  };

  @BeforeEach
  void start() {
    server = new EventLoopHttpServer(new InetSocketAddress("127.0.0.1", 0), 4, READ_TIMEOUT, IDLE_TIMEOUT, stub);
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** An answer as read off the wire. */
  record Answer(int status, Map<String, String> headers, String body) {}

  /** A raw client connection. */
  final class Client implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final long opened = System.nanoTime();

    Client() throws IOException {
      socket = new Socket("127.0.0.1", server.port());
      socket.setSoTimeout(5000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    Client send(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return this;
    }

    Answer read() throws IOException {
      String status = line();
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(); !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      int code = Integer.parseInt(status.split(" ")[1]);
      byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
      return new Answer(code, headers, new String(body, StandardCharsets.UTF_8));
    }

    String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) throw new IOException("closed after " + b);
        if (c != '\r') b.write(c);
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Seconds from opening until the server closed the connection (reading nothing else), or -1 within {@code wait}. */
    double closedAfter(Duration wait) throws IOException {
      socket.setSoTimeout((int) wait.toMillis());
      try {
        int c = in.read();
        assertThat(c).as("nothing more is sent").isEqualTo(-1);
        return (System.nanoTime() - opened) / 1e9;
      } catch (SocketTimeoutException open) {
        return -1;
      } catch (IOException reset) {
        return (System.nanoTime() - opened) / 1e9;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static String post(String body, String... headers) {
    return "POST /body HTTP/1.1\r\nHost: x\r\n" + String.join("", headers) + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  @Test
  void pipelinedRequestsAreAnsweredInTheirOrder() throws Exception {
    try (Client c = new Client()) {
      // The first takes 300 ms on its worker; the two behind it arrived in the same write.
      c.send(post("abc", "X-Sleep: 300\r\n") + "GET /other HTTP/1.1\r\nHost: x\r\n\r\n" + post("abcde"));
      assertThat(c.read().body()).isEqualTo("length 3\n");
      assertThat(c.read().body()).isEqualTo("other\n");
      assertThat(c.read().body()).isEqualTo("length 5\n");
    }
  }

  @Test
  void answersGivenLaterFromAnotherThreadKeepTheirOrderAndTheConnection() throws Exception {
    try (Client c = new Client()) {
      // As after a state log fsync: complete returns, the answer comes from another thread.
      c.send(post("abc", "X-Later: 1\r\n", "X-Sleep: 200\r\n") + post("abcd", "X-Later: 1\r\n") + post("ab"));
      assertThat(c.read().body()).isEqualTo("length 3\n");
      assertThat(c.read().body()).isEqualTo("length 4\n");
      assertThat(c.read().body()).isEqualTo("length 2\n");
      assertThat(c.send(post("abcde", "X-Later: 1\r\n")).read().body()).isEqualTo("length 5\n");
    }
  }

  @Test
  void requestsTakenOnTheEventLoopAndOnWorkersAreAnsweredInTheirOrder() throws Exception {
    try (Client c = new Client()) {
      c.send(post("abc", "X-Sleep: 200\r\n") + post("ab", "X-Now: 1\r\n") + post("abcd", "X-Later: 1\r\n") + post("a", "X-Now: 1\r\n"));
      assertThat(c.read().body()).isEqualTo("length 3\n");
      assertThat(c.read().body()).isEqualTo("now 2 on loop\n");
      assertThat(c.read().body()).isEqualTo("length 4\n");
      assertThat(c.read().body()).isEqualTo("now 1 on loop\n");
    }
  }

  @Test
  void connectionsAreKeptAliveUnlessTheClientSaysClose() throws Exception {
    try (Client c = new Client()) {
      for (int i = 0; i < 3; i++) assertThat(c.send(post("x")).read().status()).isEqualTo(200);
      Answer last = c.send(post("x", "Connection: close\r\n")).read();
      assertThat(last.headers()).containsEntry("connection", "close");
      assertThat(c.closedAfter(Duration.ofSeconds(1))).isPositive();
    }
    try (Client c = new Client()) {
      // HTTP/1.0 closes unless asked to keep alive.
      Answer kept = c.send("POST /body HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx").read();
      assertThat(kept.headers()).containsEntry("connection", "keep-alive");
      assertThat(c.send("POST /body HTTP/1.0\r\nContent-Length: 1\r\n\r\nx").read().headers()).containsEntry("connection", "close");
    }
  }

  @Test
  void aClientExpectingContinueGetsItOrTheFinalAnswer() throws Exception {
    try (Client c = new Client()) {
      c.send("POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(100);
      assertThat(c.send("abcd").read().body()).isEqualTo("length 4\n");
    }
    try (Client c = new Client()) {
      // Refused from its head: the final answer at once, and the connection ends with it.
      assertThat(c.send("POST /other HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n").read().status()).isEqualTo(404);
      assertThat(c.closedAfter(Duration.ofSeconds(1))).isPositive();
    }
  }

  @Test
  void aRequestNotInByTheReadTimeoutIsClosedAndCounted() throws Exception {
    try (Client headers = new Client(); Client body = new Client()) {
      headers.send("POST /body HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      body.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
      assertThat(headers.closedAfter(Duration.ofSeconds(3))).isBetween(0.45, 1.5);
      assertThat(body.closedAfter(Duration.ofSeconds(3))).isBetween(0.45, 1.5);
    }
    awaitCounted(2);
    assertThat(counted).containsExactly("timeout", "timeout");
  }

  @Test
  void aConnectionWithNoRequestUnderWayIsClosedAfterTheIdleTimeoutUncounted() throws Exception {
    try (Client fresh = new Client(); Client kept = new Client()) {
      // Line ends after a body are no request: they start no read timeout.
      assertThat(kept.send(post("x") + "\r\n").read().status()).isEqualTo(200);
      assertThat(fresh.closedAfter(Duration.ofSeconds(4))).isBetween(1.4, 2.5);
      assertThat(kept.closedAfter(Duration.ofSeconds(4))).isBetween(1.4, 2.5);
    }
    assertThat(counted).isEmpty();
  }

  @Test
  void aClientClosingMidBodyIsCountedIncomplete() throws Exception {
    try (Client c = new Client()) {
      c.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
      Thread.sleep(100);
    }
    awaitCounted(1);
    assertThat(counted).containsExactly("incomplete");
    // Its share of the budget came back: a body of the whole budget fits.
    try (Client c = new Client()) {
      assertThat(c.send(post("x".repeat(1000))).read().body()).isEqualTo("length 1000\n");
    }
  }

  @Test
  void bodiesHeldAtOnceStayWithinTheBudget() throws Exception {
    try (Client slow = new Client(); Client other = new Client()) {
      slow.send("POST /body HTTP/1.1\r\nHost: x\r\nX-Linger: 500\r\nContent-Length: 800\r\n\r\nabc");
      Thread.sleep(100);
      // 800 of the 1,000 bytes are held by the slow body: 300 more are refused, its body discarded.
      assertThat(other.send(post("x".repeat(300))).read().status()).isEqualTo(429);
      assertThat(other.send(post("x".repeat(200))).read().status()).isEqualTo(200);
      slow.send("x".repeat(797));
      assertThat(slow.read().body()).isEqualTo("length 800\n");
      // Given back before the answer was written, though its worker lingers: a client with its
      // answer finds the budget whole.
      assertThat(budget.free()).isEqualTo(1000);
      assertThat(other.send(post("x".repeat(300))).read().status()).isEqualTo(200);
    }
  }

  @Test
  void aChunkedBodyIsBoundedWhileReadAndABrokenOneIs400() throws Exception {
    try (Client c = new Client()) {
      String chunk = Integer.toHexString(600) + "\r\n" + "x".repeat(600) + "\r\n";
      Answer a = c.send("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n").read();
      assertThat(a.status()).isEqualTo(413);
      // Kept alive: the rest of the body was read and discarded.
      assertThat(c.send(post("x")).read().status()).isEqualTo(200);
      // That body's bytes went back to the budget before its answer: the broken body gets its
      // reservation (a body read, so counted malformed), not a 429 that its 400 replaces.
      assertThat(c.send("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n").read().status()).isEqualTo(400);
      assertThat(c.closedAfter(Duration.ofSeconds(1))).isPositive();
    }
    assertThat(counted).containsExactly("malformed");
  }

  @Test
  void aBrokenChunkedBodyRefusedAtItsHeadKeepsItsAnswer() throws Exception {
    try (Client slow = new Client(); Client c = new Client()) {
      slow.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 800\r\n\r\nabc");
      Thread.sleep(100);
      // A chunked body reserves the whole 1,000: refused at its head, then broken.
      Answer a = c.send("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n").read();
      assertThat(a.status()).isEqualTo(429);
      assertThat(a.body()).isEqualTo("budget spent\n");
      assertThat(c.closedAfter(Duration.ofSeconds(1))).isPositive();
    }
    awaitCounted(1);
    assertThat(counted).containsExactly("incomplete");
  }

  @Test
  void aBadRequestLineOrOversizedHeadIsAnsweredAndClosed() throws Exception {
    try (Client c = new Client()) {
      assertThat(c.send("GARBAGE\r\n\r\n").read().status()).isEqualTo(400);
      assertThat(c.closedAfter(Duration.ofSeconds(1))).isPositive();
    }
    try (Client c = new Client()) {
      assertThat(c.send("GET / HTTP/1.1\r\nX: " + "a".repeat(70_000) + "\r\n\r\n").read().status()).isEqualTo(431);
    }
  }

  void awaitCounted(int n) throws InterruptedException {
    for (int i = 0; i < 50 && counted.size() < n; i++) Thread.sleep(20);
  }
}

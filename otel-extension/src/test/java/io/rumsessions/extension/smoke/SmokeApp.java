package io.rumsessions.extension.smoke;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The backend the smoke test runs under the real agent: JDK only (com.sun.net.httpserver, which
 * the agent instruments, and HttpURLConnection for an outgoing call). Prints {@code PORT <n>}.
 *
 * <ul>
 *   <li>{@code /work/<case>}: calls {@code /inner/<case>} on itself (a CLIENT span below the
 *       SERVER span, then a second SERVER span in the same trace) and answers with what the
 *       inner request received, so the test can see which headers left the process;
 *   <li>{@code /inner/<case>}: answers with its {@code baggage}, {@code x-rum-session-id} and
 *       {@code cookie} request headers;
 *   <li>{@code /cpu}: the CPU time of the process's live threads, in nanoseconds (for the overhead benchmark);
 *   <li>any other path: {@code ok}.
 * </ul>
 */
public final class SmokeApp {

  private SmokeApp() {}

  public static void main(String[] args) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    int port = server.getAddress().getPort();
    server.createContext("/work/", exchange -> {
      String name = exchange.getRequestURI().getPath().substring("/work/".length());
      String inner = call("http://127.0.0.1:" + port + "/inner/" + name);
      respond(exchange, inner);
    });
    server.createContext("/inner/", exchange -> {
      String received =
          "baggage=" + exchange.getRequestHeaders().getFirst("baggage")
              + "\nx-rum-session-id=" + exchange.getRequestHeaders().getFirst("x-rum-session-id")
              + "\ncookie=" + exchange.getRequestHeaders().getFirst("cookie")
              + "\ntraceparent=" + exchange.getRequestHeaders().getFirst("traceparent");
      respond(exchange, received);
    });
    // process CPU time in ns (all threads), for the overhead benchmark
    server.createContext("/cpu", exchange -> respond(exchange, Long.toString(processCpuNanos())));
    server.createContext("/", exchange -> respond(exchange, "ok"));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("PORT " + port);
    System.out.flush();
  }

  /**
   * CPU time of all live threads, in ns. Per-thread CPU clocks have nanosecond resolution, where
   * the process CPU time the JVM reports on Linux counts 10 ms ticks.
   */
  private static long processCpuNanos() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      if (t > 0) {
        sum += t;
      }
    }
    return sum;
  }

  private static String call(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    try (InputStream in = c.getInputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  private static void respond(HttpExchange exchange, String body) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      while (in.read() >= 0) {
        // drain
      }
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}

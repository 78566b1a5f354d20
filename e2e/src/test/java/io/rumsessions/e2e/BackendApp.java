package io.rumsessions.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The shop's backend for {@link BrowserSdkE2ETest}: a JDK HTTP server that the test runs in its
 * own JVM under the real OpenTelemetry Java agent and the rum-sessions extension. The page calls
 * {@code GET /api/cart} from another origin with {@code traceparent} (the fetch instrumentation),
 * {@code x-rum-session-id} and {@code x-rum-consent}; the browser preflights that (OPTIONS).
 *
 * <pre>java -javaagent:… -Dotel.javaagent.extensions=… -cp … io.rumsessions.e2e.BackendApp PORT ORIGIN</pre>
 *
 * <p>Prints one line per request ({@code request OPTIONS /api/cart}) for the test to count.
 * The cart response is sent and closed at once, and the handler returns 1.5 s later: the agent
 * ends the server span when the handler returns, so its export reaches the processor after the
 * browser's fetch span (the processor joins a backend span to the session whose fetch span it has
 * already seen, by trace id).
 */
public final class BackendApp {
  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    String origin = args[1];
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/api/", ex -> {
      System.out.println("request " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
      System.out.flush();
      cors(ex, origin);
      if ("OPTIONS".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Access-Control-Allow-Methods", "GET, POST");
        ex.getResponseHeaders().set("Access-Control-Allow-Headers",
            "traceparent, tracestate, baggage, x-rum-session-id, x-rum-consent, content-type");
        ex.getResponseHeaders().set("Access-Control-Max-Age", "600");
        ex.sendResponseHeaders(204, -1);
        ex.close();
        return;
      }
      byte[] body = "added".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
      try {
        Thread.sleep(1500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
    System.out.println("listening " + port);
    System.out.flush();
  }

  private static void cors(HttpExchange ex, String origin) {
    ex.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
    ex.getResponseHeaders().set("Vary", "Origin");
  }
}

package io.rumsessions.processor.snippet;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.testing.HeadlessChromium;
import io.rumsessions.processor.testing.Scrape;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snippet in a real browser: Debian's headless Chromium loads pages from one origin that
 * include {@code /rum.js} from the processor's origin (CORS), navigates like a single-page app,
 * and switches consent.
 */
class SnippetBrowserTest {
  @TempDir Path dir;
  RumSessionsProcessor processor;
  HttpServer site;
  /** Bodies the snippet posted when pointed at the site's own capture endpoint. */
  final List<String> captured = new CopyOnWriteArrayList<>();
  final Map<String, String> pages = new HashMap<>();
  /** Posts the site answered 404 to, at {@code /missing/traces}. */
  final AtomicInteger missed = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    processor = new RumSessionsProcessor(ConfigLoader.load(null, Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1", "session.sweep-interval", "1h",
        "state.dir", dir.resolve("state").toString())), InstantSource.system()).start();
    site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    site.createContext("/", ex -> {
      try (ex) {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/v1/traces")) {
          ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
          ex.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type");
          if (ex.getRequestMethod().equals("POST")) captured.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          ex.sendResponseHeaders(ex.getRequestMethod().equals("OPTIONS") ? 204 : 200, -1);
          return;
        }
        if (path.equals("/missing/traces")) {
          ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
          ex.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type");
          if (ex.getRequestMethod().equals("POST")) missed.incrementAndGet();
          ex.sendResponseHeaders(ex.getRequestMethod().equals("OPTIONS") ? 204 : 404, -1);
          return;
        }
        String html = pages.getOrDefault(path.startsWith("/spa/") ? "/app.html" : path, pages.get("/app.html"));
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    site.start();
  }

  @AfterEach
  void stop() {
    if (site != null) site.stop(0);
    if (processor != null) processor.close();
  }

  String script(String attributes) {
    return "<script defer src=\"http://127.0.0.1:" + processor.httpPort() + "/rum.js\" " + attributes + "></script>";
  }

  String siteUrl(String path) {
    return "http://127.0.0.1:" + site.getAddress().getPort() + path;
  }

  @Test
  void pageLoadAndSpaNavigationBecomeOneSessionOfThreePageviews() throws Exception {
    pages.put("/app.html", "<!doctype html><title>shop</title>" + script("data-service=\"snippet-site\"")
        + "<script>addEventListener('load', function () {"
        + " setTimeout(function () { history.pushState({}, '', '/spa/two'); }, 200);"
        + " setTimeout(function () { history.pushState({}, '', '/spa/three?utm_source=news'); }, 400);"
        + " setTimeout(function () { history.pushState({}, '', '/spa/three?utm_source=news'); }, 600);"
        + "});</script><p>hi</p>");
    HeadlessChromium.load(siteUrl("/app.html?utm_source=newsletter&utm_medium=email"), dir.resolve("profile"), 3000);

    Scrape live = awaitSpans("snippet-site", 3);
    assertThat(live.sum("rum_sessions_started_total", "service_name=\"snippet-site\"", "device=\"desktop\"")).isEqualTo(1);
    processor.sweep(System.currentTimeMillis() + Duration.ofHours(1).toMillis());
    Scrape done = Scrape.of(processor.metricsPort());
    assertThat(done.sum("rum_session_pageviews_sum", "service_name=\"snippet-site\"")).isEqualTo(3);
    assertThat(done.sum("rum_session_bounces_total", "service_name=\"snippet-site\"")).isZero();
    assertThat(done.sum("rum_sessions_ended_total", "service_name=\"snippet-site\"")).isEqualTo(1);
  }

  @Test
  void withoutConsentOnlyCampaignParametersLeaveTheBrowserAndConsentCanBeGrantedAtRuntime() throws Exception {
    pages.put("/app.html", "<!doctype html>" + script("data-service=\"capture\" data-consent=\"auto\" data-endpoint=\""
        + siteUrl("/v1/traces") + "\"")
        + "<script>addEventListener('load', function () { setTimeout(function () {"
        + " rum.consent('granted'); history.pushState({}, '', '/spa/after?email=a%40b.c&utm_campaign=x'); }, 300); });</script>");
    HeadlessChromium.load(siteUrl("/app.html?email=alice%40example.com&utm_source=news&gclid=abc"), dir.resolve("profile"), 3000);
    awaitCaptured(2);
    String first = captured.get(0);
    assertThat(first).contains("\"pageview\"").contains("consent.analytics").contains("\"denied\"")
        .contains("utm_source=news").contains("gclid=abc").doesNotContain("alice").doesNotContain("email=");
    assertThat(first).contains("browser.webdriver").doesNotContain("cookie");
    String second = captured.get(1);
    assertThat(second).contains("\"granted\"").contains("email=a%40b.c");
  }

  /** An OTLP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is written: the snippet adds /v1/traces. */
  @Test
  void aBaseUrlEndpointGetsTheTracesPath() throws Exception {
    pages.put("/app.html", "<!doctype html>" + script("data-service=\"base-url\" data-endpoint=\"http://127.0.0.1:"
        + processor.httpPort() + "\""));
    HeadlessChromium.load(siteUrl("/app.html"), dir.resolve("profile"), 3000);
    awaitSpans("base-url", 1);
  }

  /**
   * A page that posts two pageviews to {@code endpoint} and records its console warnings in its
   * DOM, which Chromium dumps: the console as the page saw it, with no DevTools connection.
   */
  String warningPage(String endpoint) {
    return "<!doctype html><script>console.warn = function () {"
        + " var p = document.createElement('p'); p.className = 'warning';"
        + " p.textContent = Array.prototype.join.call(arguments, ' '); document.documentElement.appendChild(p); };</script>"
        + script("data-endpoint=\"" + endpoint + "\"")
        + "<script>addEventListener('load', function () { setTimeout(function () { history.pushState({}, '', '/spa/two'); }, 200); });</script>";
  }

  static List<String> warnings(String dom) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("<p class=\"warning\">([^<]*)</p>").matcher(dom);
    while (m.find()) found.add(m.group(1));
    return found;
  }

  @Test
  void aFailedPostWarnsOnceInTheConsoleWithTheEndpointAndStatus() throws Exception {
    String endpoint = siteUrl("/missing/traces");
    pages.put("/app.html", warningPage(endpoint));
    List<String> warnings = warnings(HeadlessChromium.load(siteUrl("/app.html"), dir.resolve("profile"), 3000));
    // Two pageviews, and an engagement span when Chromium hides the page on exit.
    assertThat(missed.get()).as("posts to the custom path, used as it is").isGreaterThanOrEqualTo(2);
    assertThat(warnings).as("one warning for " + missed + " failed posts").hasSize(1);
    assertThat(warnings.get(0)).contains(endpoint).contains("404");
  }

  @Test
  void anUnreachableEndpointWarnsOnce() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closed + "/v1/traces";
    pages.put("/app.html", warningPage(endpoint));
    List<String> warnings = warnings(HeadlessChromium.load(siteUrl("/app.html"), dir.resolve("profile"), 3000));
    assertThat(warnings).as("one warning for two failed posts").hasSize(1);
    assertThat(warnings.get(0)).contains(endpoint).contains("TypeError");
  }

  @Test
  void theSnippetIsCacheableAndWithinItsSizeBudget() throws Exception {
    assertThat(new SnippetHandler().gzippedSize()).isLessThanOrEqualTo(2048);
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + processor.httpPort() + "/rum.js");
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("max-age=86400");
    assertThat(r.body().length).isLessThanOrEqualTo(2048);
    String etag = r.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> again = http.send(HttpRequest.newBuilder(uri).header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(again.statusCode()).isEqualTo(304);
  }

  Scrape awaitSpans(String service, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Scrape s;
    do {
      s = Scrape.of(processor.metricsPort());
      if (s.sum("rum_spans_received_total", "service_name=\"" + service + "\"") >= n) return s;
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the browser's spans did not arrive: " + s.sum("rum_spans_received_total", "service_name=\"" + service + "\""));
  }

  void awaitCaptured(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (captured.size() < n && System.nanoTime() < deadline) Thread.sleep(100);
    assertThat(captured).hasSizeGreaterThanOrEqualTo(n);
  }
}

package io.rumsessions.extension.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.rumsessions.extension.smoke.OtlpReceiver.ReceivedSpan;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link SmokeApp} under the real OpenTelemetry Java agent (Maven Central
 * io.opentelemetry.javaagent:opentelemetry-javaagent, copied to target/agent by the build) with
 * the shaded extension jar, sends requests with baggage, headers, cookies, denied consent and bot
 * user agents, and asserts on the spans the agent exports to {@link OtlpReceiver} over OTLP/HTTP.
 */
class AgentSmokeTest {

  static final String CHROME =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";
  static final String GOOGLEBOT =
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  static final String HEADLESS =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " HeadlessChrome/131.0.0.0 Safari/537.36";
  static final Duration WAIT = Duration.ofSeconds(30);

  private static OtlpReceiver receiver;
  private static final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startReceiver() throws IOException {
    receiver = new OtlpReceiver();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  private static String send(AgentProcess app, String path, String userAgent, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
            .timeout(Duration.ofSeconds(20))
            .header("user-agent", userAgent);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  /** The spans of the trace whose first SERVER span has this path, once all three arrived. */
  private static Trace trace(String service, String name) throws InterruptedException {
    ReceivedSpan server =
        receiver.await(
            s -> service.equals(s.service())
                && s.kind() == SpanKind.SPAN_KIND_SERVER
                && ("/work/" + name).equals(s.attr("url.path")),
            WAIT);
    receiver.await(
        s -> s.traceId().equals(server.traceId())
            && s.kind() == SpanKind.SPAN_KIND_SERVER
            && ("/inner/" + name).equals(s.attr("url.path")),
        WAIT);
    // the CLIENT span may come in a later export batch than both SERVER spans
    receiver.await(
        s -> s.traceId().equals(server.traceId()) && s.kind() == SpanKind.SPAN_KIND_CLIENT, WAIT);
    List<ReceivedSpan> all =
        receiver.spans().stream()
            .filter(s -> s.traceId().equals(server.traceId()))
            .collect(Collectors.toList());
    return new Trace(all);
  }

  record Trace(List<ReceivedSpan> spans) {
    ReceivedSpan server() {
      return find(SpanKind.SPAN_KIND_SERVER, "/work/");
    }

    ReceivedSpan clientCall() {
      return spans.stream()
          .filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT)
          .findFirst()
          .orElseThrow(() -> new AssertionError("no CLIENT span in " + spans));
    }

    ReceivedSpan innerServer() {
      return find(SpanKind.SPAN_KIND_SERVER, "/inner/");
    }

    private ReceivedSpan find(SpanKind kind, String prefix) {
      return spans.stream()
          .filter(s -> s.kind() == kind && s.attr("url.path") != null && s.attr("url.path").startsWith(prefix))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind + " " + prefix + " in " + spans));
    }
  }

  private static void assertNoCapturedHeaderLeaks(List<ReceivedSpan> spans) {
    for (ReceivedSpan s : spans) {
      assertThat(s.attributes().keySet())
          .as("exported attributes of %s", s)
          .doesNotContain(
              "http.request.header.cookie",
              "http.request.header.x-rum-session-id",
              "http.request.header.x-rum-session-previous-id",
              "http.request.header.x-rum-consent",
              "http.request.header.sec-gpc");
    }
  }

  @Test
  void markModeUnderTheRealAgent() throws Exception {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("otel.instrumentation.rum-session.cookie", "rum_sid");
    props.put("otel.instrumentation.rum-session.consent.cookie", "CookieConsent");
    props.put("otel.instrumentation.rum-session.consent.cookie-granted", "statistics:true");
    props.put("otel.instrumentation.rum-session.consent.cookie-denied", "statistics:false");
    // the operator captures a header of their own: merged, and still exported
    props.put("otel.instrumentation.http.server.capture-request-headers", "x-request-id");
    try (AgentProcess app = new AgentProcess("smoke-mark", true, true, receiver.endpoint(), props)) {
      String baggageBody =
          send(app, "/work/baggage", CHROME,
              "baggage", "session.id=sess-baggage-0001,session.previous_id=sess-baggage-0000,consent.analytics=granted",
              "x-request-id", "req-1");
      send(app, "/work/header", CHROME,
          "x-rum-session-id", "sess-header-0002", "x-rum-consent", "granted");
      send(app, "/work/cookie", CHROME,
          "cookie", "theme=dark; rum_sid=sess-cookie-0003; CookieConsent=%7Bnecessary%3Atrue%2Cstatistics%3Atrue%7D");
      send(app, "/work/denied-baggage", CHROME,
          "baggage", "session.id=sess-denied-0004,consent.analytics=denied");
      send(app, "/work/denied-cookie", CHROME,
          "cookie", "rum_sid=sess-denied-0005; CookieConsent={necessary:true,statistics:false}");
      send(app, "/work/unknown-consent", CHROME, "x-rum-session-id", "sess-unknown-0006");
      send(app, "/work/gpc", CHROME,
          "x-rum-session-id", "sess-gpc-0007", "x-rum-consent", "granted", "sec-gpc", "1");
      send(app, "/work/invalid", CHROME,
          "x-rum-session-id", "x".repeat(200), "x-rum-consent", "granted");
      send(app, "/work/googlebot", GOOGLEBOT);
      send(app, "/work/headless", HEADLESS);
      send(app, "/healthz", "kube-probe/1.31");
      String headerBody =
          send(app, "/work/header-check", CHROME,
              "x-rum-session-id", "sess-header-0008", "x-rum-consent", "granted",
              "cookie", "rum_sid=sess-cookie-0008");

      Trace baggage = trace("smoke-mark", "baggage");
      for (ReceivedSpan s : List.of(baggage.server(), baggage.clientCall())) {
        assertThat(s.attr("session.id")).as(s.toString()).isEqualTo("sess-baggage-0001");
        assertThat(s.attr("session.previous_id")).as(s.toString()).isEqualTo("sess-baggage-0000");
        assertThat(s.attr("consent.analytics")).as(s.toString()).isEqualTo("granted");
        assertThat(s.attr("user_agent.synthetic.type")).as(s.toString()).isNull();
      }
      // the operator's own captured header is exported unchanged
      assertThat(baggage.server().attr("http.request.header.x-request-id")).isEqualTo("[req-1]");
      // W3C baggage itself is propagated by the agent (not by the extension), as the W3C spec says
      assertThat(baggageBody).contains("session.id=sess-baggage-0001");

      Trace header = trace("smoke-mark", "header");
      assertThat(header.server().attr("session.id")).isEqualTo("sess-header-0002");
      assertThat(header.clientCall().attr("session.id")).isEqualTo("sess-header-0002");
      // never injected: the downstream request carried no session, so its server span has none
      assertThat(header.innerServer().attr("session.id")).isNull();

      Trace cookie = trace("smoke-mark", "cookie");
      assertThat(cookie.server().attr("session.id")).isEqualTo("sess-cookie-0003");
      assertThat(cookie.clientCall().attr("session.id")).isEqualTo("sess-cookie-0003");

      for (String denied : List.of("denied-baggage", "denied-cookie", "unknown-consent", "gpc")) {
        Trace t = trace("smoke-mark", denied);
        for (ReceivedSpan s : t.spans()) {
          assertThat(s.attr("session.id")).as(denied + ": " + s).isNull();
          assertThat(s.attr("session.previous_id")).as(denied + ": " + s).isNull();
        }
        assertThat(t.server().attr("consent.analytics")).as(denied).isEqualTo("denied");
      }

      Trace invalid = trace("smoke-mark", "invalid");
      assertThat(invalid.server().attr("session.id")).isNull();

      Trace googlebot = trace("smoke-mark", "googlebot");
      assertThat(googlebot.server().attr("user_agent.original")).isEqualTo(GOOGLEBOT);
      for (ReceivedSpan s : List.of(googlebot.server(), googlebot.clientCall())) {
        assertThat(s.attr("user_agent.synthetic.type")).as(s.toString()).isEqualTo("bot");
        assertThat(s.attr("rum.bot.reason")).as(s.toString()).isEqualTo("user_agent_crawler");
      }
      // the app's own downstream call (HttpURLConnection's "Java/..." user agent, traceparent
      // from the same trace) is a traced service call, not a bot
      assertThat(googlebot.innerServer().attr("user_agent.synthetic.type")).isNull();

      Trace headless = trace("smoke-mark", "headless");
      assertThat(headless.server().attr("rum.bot.reason")).isEqualTo("user_agent_automation");

      ReceivedSpan health =
          receiver.await(s -> "smoke-mark".equals(s.service()) && "/healthz".equals(s.attr("url.path")), WAIT);
      assertThat(health.attr("user_agent.synthetic.type")).isEqualTo("test");
      assertThat(health.attr("rum.bot.reason")).isEqualTo("excluded_path");

      Trace check = trace("smoke-mark", "header-check");
      // header before cookie (default source order)
      assertThat(check.server().attr("session.id")).isEqualTo("sess-header-0008");
      // the app forwards neither the session header nor the cookie; the extension adds nothing
      assertThat(headerBody).contains("x-rum-session-id=null", "cookie=null", "baggage=null");

      List<ReceivedSpan> mine =
          receiver.spans().stream().filter(s -> "smoke-mark".equals(s.service())).collect(Collectors.toList());
      assertNoCapturedHeaderLeaks(mine);
    }
  }

  @Test
  void dropModeRecordsNothingForBots() throws Exception {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("otel.instrumentation.rum-session.bots.mode", "drop");
    try (AgentProcess app = new AgentProcess("smoke-drop", true, true, receiver.endpoint(), props)) {
      send(app, "/work/bot-googlebot", GOOGLEBOT);
      send(app, "/work/bot-headless", HEADLESS);
      send(app, "/work/bot-curl", "curl/8.5.0");
      send(app, "/healthz", CHROME);
      send(app, "/actuator/health/liveness", CHROME);
      send(app, "/work/person", CHROME,
          "baggage", "session.id=sess-drop-0001,consent.analytics=granted");

      Trace person = trace("smoke-drop", "person");
      assertThat(person.spans()).hasSize(3);
      assertThat(person.server().attr("session.id")).isEqualTo("sess-drop-0001");
      assertThat(person.server().attr("user_agent.synthetic.type")).isNull();
      // spans are exported in batches every 100 ms: give a late batch time to arrive
      Thread.sleep(1000);
      List<ReceivedSpan> mine =
          receiver.spans().stream().filter(s -> "smoke-drop".equals(s.service())).collect(Collectors.toList());
      for (ReceivedSpan s : mine) {
        String where = s.attr("url.path") != null ? s.attr("url.path") : String.valueOf(s.attr("url.full"));
        assertThat(where).as(s.toString()).doesNotContain("bot-", "health");
      }
      assertThat(mine).hasSize(3);
    }
  }

  @Test
  void agentAloneCapturesNothingExtra() throws Exception {
    try (AgentProcess app = new AgentProcess("smoke-plain", true, false, receiver.endpoint(), Map.of())) {
      send(app, "/work/plain", GOOGLEBOT,
          "baggage", "session.id=sess-plain-0001,consent.analytics=granted",
          "x-rum-session-id", "sess-plain-0001");
      Trace t = trace("smoke-plain", "plain");
      assertThat(t.server().attr("session.id")).isNull();
      assertThat(t.server().attr("user_agent.synthetic.type")).isNull();
      assertThat(t.server().attributes().keySet()).noneMatch(k -> k.startsWith("http.request.header."));
    }
  }

  @Test
  void extensionJarBundlesOnlyItselfAndTheRelocatedRules() throws IOException {
    Path jar = AgentProcess.extensionJar();
    List<String> classes = new ArrayList<>();
    try (JarFile f = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = f.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (name.endsWith(".class")) {
          classes.add(name);
        }
      }
      assertThat(f.getEntry("META-INF/services/io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider"))
          .isNotNull();
      assertThat(f.getEntry("io/rumsessions/extension/shaded/rules/bots/crawler-user-agents.patterns.txt"))
          .isNotNull();
      // Java 8 byte code: major version 52
      try (var in = f.getInputStream(f.getEntry("io/rumsessions/extension/session/RumSessionSpanProcessor.class"))) {
        byte[] head = in.readNBytes(8);
        assertThat(((head[6] & 0xff) << 8) | (head[7] & 0xff)).isEqualTo(52);
      }
    }
    assertThat(classes).isNotEmpty().allMatch(c -> c.startsWith("io/rumsessions/extension/"));
    assertThat(classes).anyMatch(c -> c.startsWith("io/rumsessions/extension/shaded/rules/bots/"));
  }
}

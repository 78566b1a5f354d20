package io.rumsessions.extension.session;

import static io.rumsessions.extension.session.SessionAttributes.BOT_REASON;
import static io.rumsessions.extension.session.SessionAttributes.CONSENT_ANALYTICS;
import static io.rumsessions.extension.session.SessionAttributes.SESSION_ID;
import static io.rumsessions.extension.session.SessionAttributes.SESSION_PREVIOUS_ID;
import static io.rumsessions.extension.session.SessionAttributes.USER_AGENT_SYNTHETIC_TYPE;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.rumsessions.extension.bots.BotDetector;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.request.HeaderCapture;
import io.rumsessions.extension.testing.Requests;
import io.rumsessions.extension.testing.TestConfig;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RumSessionSpanProcessorTest {

  private static final String ID = "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b1a77";
  private static final String PREVIOUS = "0b9e5d2c-1a3f-4c7e-8d2b-6e4f1a9c3b55";

  private InMemorySpanExporter exporter;
  private SdkTracerProvider provider;

  @AfterEach
  void close() {
    if (provider != null) {
      provider.close();
      provider = null;
    }
  }

  private Tracer tracer(String... keyValues) {
    RumSessionConfig config = TestConfig.rum(keyValues);
    close();
    exporter = InMemorySpanExporter.create();
    HeaderCapture capture =
        HeaderCapture.plan(java.util.Collections.<String>emptyList(), config.headersToCapture());
    provider =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                new RumSessionSpanProcessor(
                    config, new BotDetector(config), capture.attributesToRedact()))
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    return provider.get("test");
  }

  private SpanData serve(Tracer tracer, Requests request) {
    Span span = request.start(tracer);
    span.end();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    return spans.get(spans.size() - 1);
  }

  @Test
  void sessionFromBaggageWithConsent() {
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api/cart")
                .baggage("session.id", ID, "session.previous_id", PREVIOUS)
                .baggage("consent.analytics", "granted"));
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);
    assertThat(s.getAttributes().get(SESSION_PREVIOUS_ID)).isEqualTo(PREVIOUS);
    assertThat(s.getAttributes().get(CONSENT_ANALYTICS)).isEqualTo("granted");
    assertThat(s.getAttributes().get(USER_AGENT_SYNTHETIC_TYPE)).isNull();
  }

  @Test
  void unknownConsentMeansDenied() {
    SpanData s = serve(tracer(), Requests.get("/api").baggage("session.id", ID));
    assertThat(s.getAttributes().get(SESSION_ID)).isNull();
    assertThat(s.getAttributes().get(CONSENT_ANALYTICS)).isEqualTo("denied");
  }

  @Test
  void unknownConsentCanBeConfiguredAsGranted() {
    SpanData s =
        serve(tracer("consent.default", "granted"), Requests.get("/api").baggage("session.id", ID));
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);
  }

  @Test
  void deniedBaggageConsentKeepsTheIdOff() {
    SpanData s =
        serve(
            tracer("consent.default", "granted"),
            Requests.get("/api").baggage("session.id", ID, "consent.analytics", "denied"));
    assertThat(s.getAttributes().get(SESSION_ID)).isNull();
    assertThat(s.getAttributes().get(SESSION_PREVIOUS_ID)).isNull();
    assertThat(s.getAttributes().get(CONSENT_ANALYTICS)).isEqualTo("denied");
  }

  @Test
  void sessionFromHeaderWithConsentHeader() {
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api")
                .header("x-rum-session-id", ID)
                .header("x-rum-session-previous-id", PREVIOUS)
                .header("x-rum-consent", "granted"));
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);
    assertThat(s.getAttributes().get(SESSION_PREVIOUS_ID)).isEqualTo(PREVIOUS);
  }

  @Test
  void globalPrivacyControlDenies() {
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api")
                .header("x-rum-session-id", ID)
                .header("x-rum-consent", "granted")
                .header("sec-gpc", "1"));
    assertThat(s.getAttributes().get(SESSION_ID)).isNull();
    assertThat(s.getAttributes().get(CONSENT_ANALYTICS)).isEqualTo("denied");
  }

  @Test
  void globalPrivacyControlCanBeIgnored() {
    SpanData s =
        serve(
            tracer("consent.gpc", "false"),
            Requests.get("/api")
                .header("x-rum-session-id", ID)
                .header("x-rum-consent", "granted")
                .header("sec-gpc", "1"));
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);
  }

  @Test
  void sessionAndConsentFromCookies() {
    Tracer tracer =
        tracer(
            "cookie", "rum_sid",
            "consent.cookie", "CookieConsent",
            "consent.cookie-granted", "statistics:true",
            "consent.cookie-denied", "statistics:false");
    String consent = "%7Bnecessary:true%2Cstatistics:true%2Cmarketing:false%7D";
    SpanData granted =
        serve(
            tracer,
            Requests.get("/api").header("cookie", "theme=dark; rum_sid=" + ID + "; CookieConsent=" + consent));
    assertThat(granted.getAttributes().get(SESSION_ID)).isEqualTo(ID);
    // the raw cookie is never exported by this processor: it blanks the attribute
    assertThat(granted.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.cookie")))
        .isEmpty();

    SpanData denied =
        serve(
            tracer,
            Requests.get("/api")
                .header("cookie", "rum_sid=" + ID + "; CookieConsent={statistics:false}"));
    assertThat(denied.getAttributes().get(SESSION_ID)).isNull();
    assertThat(denied.getAttributes().get(CONSENT_ANALYTICS)).isEqualTo("denied");
  }

  @Test
  void cookieIsNotCapturedWithoutACookieName() {
    Tracer tracer = tracer();
    SpanData s =
        serve(tracer, Requests.get("/api").header("cookie", "rum_sid=" + ID).header("x-rum-consent", "granted"));
    assertThat(s.getAttributes().get(SESSION_ID)).isNull();
    // not a header the extension asked for: the operator's own capture is left alone
    assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.cookie")))
        .containsExactly("rum_sid=" + ID);
  }

  @Test
  void sourcesAreTriedInOrderAndPreviousIdsAreNotMixed() {
    Requests r =
        Requests.get("/api")
            .baggage("session.id", "baggage-id-0001", "consent.analytics", "granted")
            .header("x-rum-session-id", "header-id-0001")
            .header("x-rum-session-previous-id", "header-prev-0001");
    SpanData baggageFirst = serve(tracer(), r);
    assertThat(baggageFirst.getAttributes().get(SESSION_ID)).isEqualTo("baggage-id-0001");
    assertThat(baggageFirst.getAttributes().get(SESSION_PREVIOUS_ID)).isNull();
    SpanData headerFirst = serve(tracer("sources", "header,baggage"), r);
    assertThat(headerFirst.getAttributes().get(SESSION_ID)).isEqualTo("header-id-0001");
    assertThat(headerFirst.getAttributes().get(SESSION_PREVIOUS_ID)).isEqualTo("header-prev-0001");
  }

  @Test
  void invalidIdsAreIgnoredAndTheNextSourceIsUsed() {
    String tooLong = new String(new char[129]).replace('\0', 'a');
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api")
                .baggage("session.id", tooLong, "consent.analytics", "granted")
                .header("x-rum-session-id", ID));
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);

    SpanData spaces =
        serve(
            tracer(),
            Requests.get("/api").baggage("session.id", "has space", "consent.analytics", "granted"));
    assertThat(spaces.getAttributes().get(SESSION_ID)).isNull();
    assertThat(spaces.getAttributes().get(CONSENT_ANALYTICS)).isNull();
  }

  @Test
  void idPatternRestrictsTheFormat() {
    Tracer tracer = tracer("id-pattern", "[0-9a-f-]{36}");
    assertThat(
            serve(tracer, Requests.get("/a").baggage("session.id", ID, "consent.analytics", "granted"))
                .getAttributes()
                .get(SESSION_ID))
        .isEqualTo(ID);
    assertThat(
            serve(tracer, Requests.get("/a").baggage("session.id", "abc", "consent.analytics", "granted"))
                .getAttributes()
                .get(SESSION_ID))
        .isNull();
  }

  @Test
  void spansBelowTheServerSpanGetTheSession() {
    Tracer tracer = tracer();
    Requests r = Requests.get("/api").baggage("session.id", ID, "consent.analytics", "granted");
    Span server = r.start(tracer);
    try (Scope ignored = r.parent().with(server).makeCurrent()) {
      Span child = tracer.spanBuilder("SELECT").setSpanKind(SpanKind.CLIENT).startSpan();
      try (Scope alsoIgnored = child.makeCurrent()) {
        tracer.spanBuilder("grandchild").startSpan().end();
      }
      child.end();
    }
    server.end();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(3);
    for (SpanData s : spans) {
      assertThat(s.getAttributes().get(SESSION_ID)).as(s.getName()).isEqualTo(ID);
      assertThat(s.getAttributes().get(CONSENT_ANALYTICS)).as(s.getName()).isEqualTo("granted");
    }
  }

  @Test
  void childSpansCanBeLeftAlone() {
    Tracer tracer = tracer("child-spans", "false");
    Requests r = Requests.get("/api").baggage("session.id", ID, "consent.analytics", "granted");
    Span server = r.start(tracer);
    tracer.spanBuilder("child").setParent(r.parent().with(server)).startSpan().end();
    server.end();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans.get(0).getAttributes().get(SESSION_ID)).isNull();
    assertThat(spans.get(1).getAttributes().get(SESSION_ID)).isEqualTo(ID);
  }

  @Test
  void aRemoteParentStillStartsTheRequest() {
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api")
                .remoteParent()
                .header("x-rum-session-id", ID)
                .header("x-rum-consent", "granted"));
    assertThat(s.getParentSpanContext().isRemote()).isTrue();
    assertThat(s.getAttributes().get(SESSION_ID)).isEqualTo(ID);
  }

  @Test
  void nothingIsWrittenToBaggageOrContext() {
    Tracer tracer = tracer();
    Requests r = Requests.get("/api").header("x-rum-session-id", ID).header("x-rum-consent", "granted");
    Span server = r.start(tracer);
    Context ctx = r.parent().with(server);
    assertThat(Baggage.fromContext(ctx).isEmpty()).isTrue();
    server.end();
  }

  @Test
  void botsAreMarkedAndTheMarkReachesChildSpans() {
    Tracer tracer = tracer();
    Requests r = Requests.get("/products", Requests.GOOGLEBOT);
    Span server = r.start(tracer);
    tracer.spanBuilder("child").setParent(r.parent().with(server)).startSpan().end();
    server.end();
    for (SpanData s : exporter.getFinishedSpanItems()) {
      assertThat(s.getAttributes().get(USER_AGENT_SYNTHETIC_TYPE)).isEqualTo("bot");
      assertThat(s.getAttributes().get(BOT_REASON)).isEqualTo("user_agent_crawler");
    }
  }

  @Test
  void automationIsMarkedEvenFromTracedClients() {
    Tracer tracer = tracer();
    SpanData headless = serve(tracer, Requests.get("/a", Requests.HEADLESS).remoteParent());
    assertThat(headless.getAttributes().get(BOT_REASON)).isEqualTo("user_agent_automation");
    SpanData service = serve(tracer, Requests.get("/a", Requests.OKHTTP).remoteParent());
    assertThat(service.getAttributes().get(USER_AGENT_SYNTHETIC_TYPE)).isNull();
    SpanData untraced = serve(tracer, Requests.get("/a", Requests.OKHTTP));
    assertThat(untraced.getAttributes().get(USER_AGENT_SYNTHETIC_TYPE)).isEqualTo("bot");
  }

  @Test
  void healthChecksAreMarkedAsTests() {
    SpanData s = serve(tracer(), Requests.get("/actuator/health/liveness"));
    assertThat(s.getAttributes().get(USER_AGENT_SYNTHETIC_TYPE)).isEqualTo("test");
    assertThat(s.getAttributes().get(BOT_REASON)).isEqualTo("excluded_path");
  }

  @Test
  void browsersAndModeOffAreNotMarked() {
    assertThat(serve(tracer(), Requests.get("/a")).getAttributes().get(USER_AGENT_SYNTHETIC_TYPE))
        .isNull();
    assertThat(
            serve(tracer("bots.mode", "off"), Requests.get("/a", Requests.GOOGLEBOT))
                .getAttributes()
                .get(USER_AGENT_SYNTHETIC_TYPE))
        .isNull();
  }

  @Test
  void extensionCapturedHeadersAreBlanked() {
    SpanData s =
        serve(
            tracer(),
            Requests.get("/api").header("x-rum-session-id", ID).header("sec-gpc", "1"));
    assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.x-rum-session-id")))
        .isEmpty();
    assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.sec-gpc")))
        .isEmpty();
  }
}

package io.rumsessions.processor.visitors;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.testing.ManualClock;
import io.rumsessions.processor.testing.Scrape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unique visitors and new vs returning, through the real pipeline, read from /metrics. */
class VisitorMetricsTest {
  static final String UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
  static final long NOON = LocalDate.of(2026, 11, 2).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();

  @TempDir Path state;
  ManualClock clock = new ManualClock(NOON);
  RumSessionsProcessor processor;

  @AfterEach
  void stop() {
    if (processor != null) processor.close();
  }

  RumSessionsProcessor start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1", "session.sweep-interval", "1h",
        "state.dir", state.toString(), "session.inactivity-timeout", "30m"));
    o.putAll(extra);
    return new RumSessionsProcessor(ConfigLoader.load(null, o), clock).start();
  }

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  static ByteString random(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** One documentLoad, as the OpenTelemetry JS web SDK sends it, with the given extra span attributes. */
  void pageview(String consent, String address, String sessionId, String userId) {
    Span.Builder span = Span.newBuilder().setTraceId(random(16)).setSpanId(random(8)).setName("documentLoad")
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(clock.millis() * 1_000_000L).setEndTimeUnixNano(clock.millis() * 1_000_000L + 1)
        .addAttributes(kv("http.url", "https://shop.example/?q=secret-query"))
        .addAttributes(kv("http.user_agent", UA))
        .addAttributes(kv("client.address", address));
    if (sessionId != null) span.addAttributes(kv("session.id", sessionId));
    if (userId != null) span.addAttributes(kv("user.id", userId));
    Resource resource = Resource.newBuilder().addAttributes(kv("service.name", "shop"))
        .addAttributes(kv("consent.analytics", consent)).build();
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    processor.pipeline().ingest(request, RequestContext.plain("grpc", "10.0.0.1"));
  }

  double visitors(String window, String population) {
    return Scrape.of(processor.metricsPort()).sum("rum_visitors",
        "service_name=\"shop\"", "window=\"" + window + "\"", "population=\"" + population + "\"");
  }

  double visitorSessions(String type) {
    return Scrape.of(processor.metricsPort()).sum("rum_visitor_sessions_total", "service_name=\"shop\"",
        "visitor_type=\"" + type + "\"");
  }

  @Test
  void consentDeniedVisitorsAreCountedForTheDayOnly() throws Exception {
    processor = start(Map.of());
    for (int i = 1; i <= 3; i++) {
      pageview("denied", "203.0.113." + i, "client-" + i, "user-" + i);
      pageview("denied", "203.0.113." + i, "client-" + i, "user-" + i);
    }
    assertThat(visitors("1d", "all")).isEqualTo(3);
    assertThat(visitors("1d", "consented")).isZero();
    assertThat(visitors("7d", "consented")).isZero();
    assertThat(visitors("30d", "consented")).isZero();
    assertThat(visitorSessions("unidentified")).isEqualTo(3);
    assertThat(visitorSessions("new") + visitorSessions("returning")).isZero();

    // The next day the same people get new cookie-free ids: they are today's visitors only.
    clock.advance(Duration.ofDays(1));
    pageview("denied", "203.0.113.1", "client-1", "user-1");
    assertThat(visitors("1d", "all")).isEqualTo(1);
    assertThat(visitors("7d", "consented")).isZero();
  }

  @Test
  void consentedVisitorsWithAUserIdAreNewThenReturningAcrossDays() throws Exception {
    processor = start(Map.of());
    pageview("granted", "203.0.113.1", "s-1", "user-1");
    pageview("granted", "203.0.113.2", "s-2", "user-2");
    assertThat(visitorSessions("new")).isEqualTo(2);

    clock.advance(Duration.ofDays(1));
    processor.sweep(clock.millis());
    pageview("granted", "198.51.100.9", "s-3", "user-1"); // another device, same user
    assertThat(visitorSessions("returning")).isEqualTo(1);
    assertThat(visitors("1d", "all")).isEqualTo(1);
    assertThat(visitors("1d", "consented")).isEqualTo(1);
    assertThat(visitors("7d", "consented")).isEqualTo(2);
    assertThat(visitors("30d", "consented")).isEqualTo(2);

    // Consented but without a user id: a cookie-free visitor of the day.
    pageview("granted", "198.51.100.10", "s-4", null);
    assertThat(visitorSessions("unidentified")).isEqualTo(1);
    assertThat(visitors("1d", "all")).isEqualTo(2);
    assertThat(visitors("7d", "consented")).isEqualTo(2);
    assertThat(Scrape.of(processor.metricsPort()).text()).contains("rum_visitors_returning_filter_load_ratio");
  }

  @Test
  void theSketchesSurviveARestartAndHoldNoIdsAddressesOrQueries() throws Exception {
    processor = start(Map.of());
    pageview("granted", "203.0.113.1", "s-1", "user-1@mail.example");
    pageview("denied", "203.0.113.77", "client-raw-id", null);
    processor.close();
    Path file = state.resolve("visitors.sketches");
    String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    assertThat(bytes).doesNotContain("user-1").doesNotContain("mail.example").doesNotContain("203.0.113")
        .doesNotContain("client-raw-id").doesNotContain("secret-query");

    processor = start(Map.of());
    assertThat(visitors("1d", "all")).isEqualTo(2);
    assertThat(visitors("30d", "consented")).isEqualTo(1);
    clock.advance(Duration.ofHours(2));
    pageview("granted", "203.0.113.1", "s-2", "user-1@mail.example");
    assertThat(visitorSessions("returning")).isEqualTo(1);
  }

  @Test
  void switchedOffThereIsNoVisitorMetric() throws Exception {
    processor = start(Map.of("visitors.enabled", "false"));
    pageview("denied", "203.0.113.1", "c", null);
    String text = Scrape.of(processor.metricsPort()).text();
    assertThat(text).doesNotContain("rum_visitors{").contains("rum_sessions_started_total");
    assertThat(Files.exists(state.resolve("visitors.sketches"))).isFalse();
  }
}

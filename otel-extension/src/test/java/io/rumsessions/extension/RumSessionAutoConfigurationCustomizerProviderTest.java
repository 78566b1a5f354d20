package io.rumsessions.extension;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.rumsessions.extension.request.HeaderCapture;
import io.rumsessions.extension.testing.Requests;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole wiring, found through META-INF/services by SDK autoconfiguration as the agent does. */
class RumSessionAutoConfigurationCustomizerProviderTest {

  private static final String ID = "9d1c7a52-3e8b-4f06-b2d4-51a7c9e0f318";

  /** The configuration after every properties customizer, as the agent's instrumentations see it. */
  private static ConfigProperties finalConfig;

  private static AutoConfiguredOpenTelemetrySdk sdk(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    m.put("otel.traces.exporter", "rum-memory");
    m.put("otel.metrics.exporter", "none");
    m.put("otel.logs.exporter", "none");
    m.put("otel.bsp.schedule.delay", "1");
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> m)
        .addTracerProviderCustomizer(
            (builder, config) -> {
              finalConfig = config;
              return builder;
            })
        .disableShutdownHook()
        .build();
  }

  private static List<SpanData> serve(OpenTelemetrySdk sdk, Requests request) {
    MemoryExporterProvider.EXPORTER.reset();
    Tracer tracer = sdk.getTracer("test");
    Span span = request.start(tracer);
    span.end();
    sdk.getSdkTracerProvider().forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
    return MemoryExporterProvider.EXPORTER.getFinishedSpanItems();
  }

  @Test
  void capturesTheHeadersItReadsAndNeverExportsThem() {
    AutoConfiguredOpenTelemetrySdk auto =
        sdk(
            HeaderCapture.CAPTURE_PROPERTY, "x-request-id",
            "otel.instrumentation.rum-session.cookie", "rum_sid");
    try (OpenTelemetrySdk sdk = auto.getOpenTelemetrySdk()) {
      assertThat(finalConfig.getList(HeaderCapture.CAPTURE_PROPERTY))
          .containsExactly(
              "x-request-id", "x-rum-session-id", "x-rum-session-previous-id", "x-rum-consent",
              "sec-gpc", "cookie");
      List<SpanData> spans =
          serve(
              sdk,
              Requests.get("/api")
                  .header("cookie", "rum_sid=" + ID)
                  .header("x-rum-consent", "granted")
                  .header("x-request-id", "r-1"));
      assertThat(spans).hasSize(1);
      SpanData s = spans.get(0);
      assertThat(s.getAttributes().get(AttributeKey.stringKey("session.id"))).isEqualTo(ID);
      assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.cookie")))
          .isNull();
      assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.x-rum-consent")))
          .isNull();
      // the operator's own capture is exported as before
      assertThat(s.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.x-request-id")))
          .containsExactly("r-1");
    }
  }

  @Test
  void dropModeWrapsTheConfiguredSampler() {
    AutoConfiguredOpenTelemetrySdk auto =
        sdk(
            "otel.instrumentation.rum-session.bots.mode", "drop",
            "otel.traces.sampler", "parentbased_always_on");
    try (OpenTelemetrySdk sdk = auto.getOpenTelemetrySdk()) {
      assertThat(sdk.getSdkTracerProvider().getSampler().getDescription())
          .startsWith("BotDropSampler{ParentBased{root:AlwaysOnSampler");
      assertThat(serve(sdk, Requests.get("/", Requests.GOOGLEBOT))).isEmpty();
      assertThat(serve(sdk, Requests.get("/"))).hasSize(1);
    }
  }

  @Test
  void disabledChangesNothing() {
    AutoConfiguredOpenTelemetrySdk auto =
        sdk(
            "otel.instrumentation.rum-session.enabled", "false",
            "otel.instrumentation.rum-session.bots.mode", "drop");
    try (OpenTelemetrySdk sdk = auto.getOpenTelemetrySdk()) {
      assertThat(finalConfig.getList(HeaderCapture.CAPTURE_PROPERTY)).isEmpty();
      assertThat(sdk.getSdkTracerProvider().getSampler().getDescription())
          .doesNotContain("BotDropSampler");
      List<SpanData> spans =
          serve(sdk, Requests.get("/", Requests.GOOGLEBOT).baggage("session.id", ID, "consent.analytics", "granted"));
      assertThat(spans).hasSize(1);
      assertThat(spans.get(0).getAttributes().get(AttributeKey.stringKey("session.id"))).isNull();
      assertThat(spans.get(0).getAttributes().get(AttributeKey.stringKey("user_agent.synthetic.type")))
          .isNull();
    }
  }
}

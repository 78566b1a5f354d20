package io.rumsessions.extension.bots;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.testing.Requests;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BotDropSamplerTest {

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private SdkTracerProvider provider;

  @AfterEach
  void close() {
    provider.close();
  }

  /** A sampler that does not follow its parent: children of dropped spans must still go. */
  private Tracer tracer(Sampler delegate) {
    RumSessionConfig config =
        RumSessionConfig.from(
            DefaultConfigProperties.createFromMap(
                Collections.singletonMap(RumSessionConfig.BOTS_MODE, "drop")));
    BotDropSampler sampler = new BotDropSampler(delegate, new BotDetector(config));
    assertThat(sampler.getDescription()).isEqualTo("BotDropSampler{AlwaysOnSampler}");
    provider =
        SdkTracerProvider.builder()
            .setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    return provider.get("test");
  }

  private List<SpanData> request(Tracer tracer, Requests r) {
    exporter.reset();
    Span server = r.start(tracer);
    try (Scope ignored = r.parent().with(server).makeCurrent()) {
      Span client = tracer.spanBuilder("GET downstream").setSpanKind(SpanKind.CLIENT).startSpan();
      try (Scope alsoIgnored = client.makeCurrent()) {
        tracer.spanBuilder("internal").startSpan().end();
      }
      client.end();
    }
    server.end();
    return exporter.getFinishedSpanItems();
  }

  @Test
  void botRequestsRecordNothing() {
    Tracer tracer = tracer(Sampler.alwaysOn());
    assertThat(request(tracer, Requests.get("/products", Requests.GOOGLEBOT))).isEmpty();
    assertThat(request(tracer, Requests.get("/products", Requests.HEADLESS))).isEmpty();
    assertThat(request(tracer, Requests.get("/products", null))).isEmpty();
  }

  @Test
  void excludedPathsRecordNothing() {
    Tracer tracer = tracer(Sampler.alwaysOn());
    assertThat(request(tracer, Requests.get("/healthz"))).isEmpty();
    assertThat(request(tracer, Requests.get("/health/ready"))).isEmpty();
    assertThat(request(tracer, Requests.get("/healthcheck"))).hasSize(3);
  }

  @Test
  void browsersAndTracedServiceCallsAreTheDelegatesDecision() {
    Tracer tracer = tracer(Sampler.alwaysOn());
    assertThat(request(tracer, Requests.get("/products"))).hasSize(3);
    assertThat(request(tracer, Requests.get("/products", Requests.OKHTTP).remoteParent()))
        .hasSize(3);
    assertThat(request(tracer, Requests.get("/products", Requests.HEADLESS).remoteParent()))
        .isEmpty();
  }

  @Test
  void nonServerRootSpansAreNotJudged() {
    Tracer tracer = tracer(Sampler.alwaysOn());
    tracer
        .spanBuilder("scheduled job")
        .setAttribute("user_agent.original", Requests.GOOGLEBOT)
        .startSpan()
        .end();
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
  }
}

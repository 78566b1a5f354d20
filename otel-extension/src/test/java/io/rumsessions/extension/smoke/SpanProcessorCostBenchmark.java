package io.rumsessions.extension.smoke;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.rumsessions.extension.bots.BotDetector;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.request.HeaderCapture;
import io.rumsessions.extension.request.RedactingSpanExporter;
import io.rumsessions.extension.session.RumSessionSpanProcessor;
import io.rumsessions.extension.testing.Requests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The extension's own cost inside the SDK, without HTTP noise: one request = an HTTP server span
 * (the attributes the agent sets, captured session and consent headers, W3C baggage) with two
 * spans below it, started and ended through an SDK tracer whose exporter discards; with and
 * without the extension's span processor and redacting exporter. Median of rounds, ns per
 * request. Runs with the overhead benchmark ({@code -Drum.overhead=true}).
 */
@EnabledIfSystemProperty(named = "rum.overhead", matches = "true")
class SpanProcessorCostBenchmark {

  private static final int ROUNDS = 15;
  private static final int REQUESTS = 100_000;

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void processorCostPerRequest() throws Exception {
    RumSessionConfig config =
        RumSessionConfig.from(DefaultConfigProperties.createFromMap(Collections.emptyMap()));
    HeaderCapture capture = HeaderCapture.plan(Collections.<String>emptyList(), config.headersToCapture());
    SpanExporter discard = new Discard();
    SdkTracerProvider plain =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(discard)).build();
    SdkTracerProviderBuilder b =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    new RedactingSpanExporter(discard, capture.attributesToRedact())));
    SpanProcessor processor =
        new RumSessionSpanProcessor(config, new BotDetector(config), capture.attributesToRedact());
    SdkTracerProvider withExtension = b.addSpanProcessor(processor).build();

    Requests browser =
        Requests.get("/api/cart")
            .baggage("session.id", "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b1a77", "consent.analytics", "granted")
            .header("x-rum-session-id", "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b1a77")
            .header("x-rum-consent", "granted")
            .attribute("http.route", "/api/cart")
            .attribute("server.address", "shop.example")
            .attribute("network.peer.address", "198.51.100.7");
    Requests bot = Requests.get("/api/cart", Requests.GOOGLEBOT);

    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            Locale.ROOT,
            "in-process (SDK %s, no HTTP): %d rounds x %d requests of 3 spans, median ns per request%n",
            io.opentelemetry.sdk.common.internal.OtelVersion.VERSION, ROUNDS, REQUESTS));
    report.append("| request | SDK alone | SDK + extension | extension |\n|---|---|---|---|\n");
    for (Object[] c : new Object[][] {{"browser, session + consent", browser}, {"Googlebot", bot}}) {
      Requests r = (Requests) c[1];
      Tracer t1 = plain.get("bench");
      Tracer t2 = withExtension.get("bench");
      for (int w = 0; w < 3; w++) {
        run(t1, r, REQUESTS);
        run(t2, r, REQUESTS);
      }
      double[] a = new double[ROUNDS];
      double[] e = new double[ROUNDS];
      for (int i = 0; i < ROUNDS; i++) {
        a[i] = run(t1, r, REQUESTS);
        e[i] = run(t2, r, REQUESTS);
      }
      double ma = median(a);
      double me = median(e);
      report.append(
          String.format(Locale.ROOT, "| %s | %.0f | %.0f | %+.0f |%n", c[0], ma, me, me - ma));
    }
    plain.close();
    withExtension.close();
    System.out.println(report);
    Path out = Paths.get("target", "span-processor-cost.txt");
    Files.createDirectories(out.getParent());
    Files.write(out, report.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** ns per request (server span + client span + internal span). */
  private static double run(Tracer tracer, Requests r, int n) {
    Context parent = r.parent();
    io.opentelemetry.api.common.Attributes attributes = r.attributes();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Span server =
          tracer
              .spanBuilder("GET /api/cart")
              .setSpanKind(SpanKind.SERVER)
              .setParent(parent)
              .setAllAttributes(attributes)
              .startSpan();
      try (Scope ignored = parent.with(server).makeCurrent()) {
        Span client = tracer.spanBuilder("SELECT").setSpanKind(SpanKind.CLIENT).startSpan();
        try (Scope alsoIgnored = client.makeCurrent()) {
          tracer.spanBuilder("render").startSpan().end();
        }
        client.end();
      }
      server.end();
    }
    return (System.nanoTime() - t0) / (double) n;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  /** Touches every span's attributes, as a real exporter would, and discards them. */
  private static final class Discard implements SpanExporter {
    long sink;

    @Override
    public CompletableResultCode export(java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
      for (io.opentelemetry.sdk.trace.data.SpanData s : spans) {
        sink += s.getAttributes().size();
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}

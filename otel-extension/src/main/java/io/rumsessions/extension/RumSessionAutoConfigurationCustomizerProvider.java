package io.rumsessions.extension;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.rumsessions.extension.bots.BotDetector;
import io.rumsessions.extension.bots.BotDropSampler;
import io.rumsessions.extension.config.BotMode;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.request.HeaderCapture;
import io.rumsessions.extension.request.RedactingSpanExporter;
import io.rumsessions.extension.session.RumSessionSpanProcessor;
import java.util.Collections;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The extension's entry point, found by the agent (and by SDK autoconfiguration) through {@code
 * META-INF/services}. It wires, when {@code otel.instrumentation.rum-session.enabled} is true:
 *
 * <ol>
 *   <li>a properties customizer that adds the request headers the extension reads to the agent's
 *       {@value HeaderCapture#CAPTURE_PROPERTY};
 *   <li>a sampler customizer that wraps the configured sampler in a {@link BotDropSampler} when
 *       {@code bots.mode=drop};
 *   <li>a span exporter customizer that wraps every exporter in a {@link RedactingSpanExporter}, so
 *       the captured headers the extension added are never exported;
 *   <li>a tracer provider customizer that adds the {@link RumSessionSpanProcessor}.
 * </ol>
 *
 * <p>The configuration is parsed once, on first use, into a {@link RumSessionConfig}.
 */
public final class RumSessionAutoConfigurationCustomizerProvider
    implements AutoConfigurationCustomizerProvider {

  private static final Logger logger =
      Logger.getLogger(RumSessionAutoConfigurationCustomizerProvider.class.getName());

  private RumSessionConfig config;
  private HeaderCapture capture;
  private BotDetector detector;

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    customizer
        .addPropertiesCustomizer(this::captureHeaders)
        .addSamplerCustomizer(this::customizeSampler)
        .addSpanExporterCustomizer(this::customizeExporter)
        .addTracerProviderCustomizer(this::customizeTracerProvider);
  }

  synchronized Map<String, String> captureHeaders(ConfigProperties properties) {
    RumSessionConfig c = config(properties);
    if (!c.enabled()) {
      capture = HeaderCapture.none();
      return Collections.emptyMap();
    }
    capture = HeaderCapture.plan(properties, c.headersToCapture());
    logger.fine(
        "rum-session: sources "
            + c.sources()
            + ", bots "
            + c.botMode()
            + ", capturing request headers "
            + capture.merged()
            + " (redacted: "
            + capture.added()
            + ")");
    return capture.propertyOverrides();
  }

  synchronized Sampler customizeSampler(Sampler sampler, ConfigProperties properties) {
    RumSessionConfig c = config(properties);
    if (!c.enabled() || c.botMode() != BotMode.DROP) {
      return sampler;
    }
    return new BotDropSampler(sampler, detector(c));
  }

  synchronized SpanExporter customizeExporter(SpanExporter exporter, ConfigProperties properties) {
    HeaderCapture h = capture(properties);
    if (h.attributesToRedact().isEmpty()) {
      return exporter;
    }
    return new RedactingSpanExporter(exporter, h.attributesToRedact());
  }

  synchronized SdkTracerProviderBuilder customizeTracerProvider(
      SdkTracerProviderBuilder builder, ConfigProperties properties) {
    RumSessionConfig c = config(properties);
    if (!c.enabled()) {
      return builder;
    }
    BotDetector bots = c.botMode() == BotMode.MARK ? detector(c) : null;
    return builder.addSpanProcessor(
        new RumSessionSpanProcessor(c, bots, capture(properties).attributesToRedact()));
  }

  private RumSessionConfig config(ConfigProperties properties) {
    if (config == null) {
      config = RumSessionConfig.from(properties);
    }
    return config;
  }

  /**
   * The capture plan; when the properties customizer did not run (the operator's list is not
   * known), every header the extension reads is treated as added by it, and redacted.
   */
  private HeaderCapture capture(ConfigProperties properties) {
    if (capture == null) {
      RumSessionConfig c = config(properties);
      capture =
          c.enabled()
              ? HeaderCapture.plan(Collections.<String>emptyList(), c.headersToCapture())
              : HeaderCapture.none();
    }
    return capture;
  }

  private BotDetector detector(RumSessionConfig c) {
    if (detector == null) {
      detector = new BotDetector(c);
    }
    return detector;
  }
}

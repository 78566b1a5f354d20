package io.rumsessions.processor.config;

/**
 * Everything the processor is configured with, parsed and validated once at start-up.
 * Behaviour classes receive the piece they need and never read configuration themselves.
 */
public record ProcessorConfig(
    ReceiverConfig receiver,
    SessionConfig session,
    InputConfig input,
    BotsConfig bots,
    AttributionConfig attribution,
    ConsentConfig consent,
    MetricsConfig metrics,
    ExportConfig export,
    StateConfig state,
    VisitorsConfig visitors,
    KafkaConfig kafka) {

  public static ProcessorConfig defaults() {
    return ConfigLoader.load(null, java.util.Map.of());
  }
}

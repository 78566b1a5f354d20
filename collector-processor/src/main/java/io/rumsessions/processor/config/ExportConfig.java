package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.Map;

/**
 * OTLP export of session spans and forwarded spans.
 *
 * @param endpoint empty means no export
 * @param queueMaxBytes the most state log kept for spans not yet accepted by the endpoint
 */
public record ExportConfig(
    String endpoint,
    Protocol protocol,
    boolean sessionSpans,
    boolean forwardSpans,
    long queueMaxBytes,
    int batchSize,
    Duration timeout,
    Duration retryInitialInterval,
    Duration retryMaxInterval,
    Map<String, String> headers) {

  public boolean enabled() {
    return !endpoint.isEmpty() && (sessionSpans || forwardSpans);
  }

  public enum Protocol {
    GRPC,
    HTTP_PROTOBUF
  }
}

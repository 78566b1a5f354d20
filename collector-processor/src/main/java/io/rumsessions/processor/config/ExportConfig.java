package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.Map;

/**
 * OTLP export of session spans and forwarded spans.
 *
 * @param endpoint empty means no export
 */
public record ExportConfig(
    String endpoint,
    Protocol protocol,
    boolean sessionSpans,
    boolean forwardSpans,
    int queueSize,
    int batchSize,
    Duration timeout,
    Map<String, String> headers) {

  public boolean enabled() {
    return !endpoint.isEmpty() && (sessionSpans || forwardSpans);
  }

  public enum Protocol {
    GRPC,
    HTTP_PROTOBUF
  }
}

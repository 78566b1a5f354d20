package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.List;

/**
 * The OTLP receivers: ports, request limits, admission and CORS.
 *
 * @param trustedProxies CIDRs of proxies whose X-Forwarded-For / Forwarded headers are believed
 * @param memoryLimitRatio heap share above which new data is refused (1 or more: never)
 */
public record ReceiverConfig(
    String host,
    int grpcPort,
    int httpPort,
    long maxRequestBytes,
    int maxConcurrentRequests,
    Duration retryAfter,
    List<String> trustedProxies,
    Cors cors,
    double memoryLimitRatio,
    Duration memoryCheckInterval) {

  /** Browsers posting straight to the processor need CORS; {@code *} allows any origin. */
  public record Cors(List<String> allowedOrigins, List<String> allowedHeaders, Duration maxAge) {
    public boolean allows(String origin) {
      return allowedOrigins.contains("*") || allowedOrigins.contains(origin);
    }
  }
}

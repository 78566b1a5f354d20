package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.List;

/**
 * The OTLP receivers: ports, request limits, admission and CORS.
 *
 * @param trustedProxies CIDRs of proxies whose X-Forwarded-For / Forwarded headers are believed
 * @param memoryLimitRatio heap share above which new data is refused (1 or more: never)
 * @param readTimeout longest an HTTP request may take to arrive, from its first byte to the end of
 *     its body; a slower client's connection is closed (slow-loris)
 * @param httpThreads threads that handle complete HTTP requests (decode, ingest, wait for the
 *     fsync), at least {@code maxConcurrentRequests}; with the largest body each, they also bound
 *     the request bodies held in memory. Requests are read on an event loop: a slow client holds
 *     no thread
 * @param grpcThreads threads that decode and apply gRPC requests, at most {@code
 *     maxConcurrentRequests} of them (the default); more gRPC requests wait for one in arrival
 *     order. Fewer threads than that take fewer turns on the state lock and serve more spans per
 *     CPU-second; more keep the p99 lower when other threads share the cores (README)
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
    Duration memoryCheckInterval,
    Duration readTimeout,
    int httpThreads,
    int grpcThreads) {

  /** Browsers posting straight to the processor need CORS; {@code *} allows any origin. */
  public record Cors(List<String> allowedOrigins, List<String> allowedHeaders, Duration maxAge) {
    public boolean allows(String origin) {
      return allowedOrigins.contains("*") || allowedOrigins.contains(origin);
    }
  }
}

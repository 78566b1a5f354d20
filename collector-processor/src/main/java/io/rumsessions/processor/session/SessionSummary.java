package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;

/**
 * An ended session: the compact aggregate, frozen. Times are event times in Unix nanoseconds.
 * {@code previousId} and {@code userId} are null unless the visitor consented; {@code
 * attribution} is null for a session that had no pageview.
 */
public record SessionSummary(
    String service,
    String sessionId,
    long firstNanos,
    long lastNanos,
    int pageviews,
    int interactions,
    int spans,
    String landingPage,
    String exitPage,
    String device,
    String channel,
    EndReason endReason,
    String previousId,
    String userId,
    int backendRequests,
    int backendErrors,
    Attribution attribution,
    int conversions) {

  /** Last minus first event time; zero for a single event. */
  public double durationSeconds() {
    return (lastNanos - firstNanos) / 1e9;
  }
}

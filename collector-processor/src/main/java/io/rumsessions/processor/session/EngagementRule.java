package io.rumsessions.processor.session;

import java.time.Duration;

/**
 * GA4's engaged session: lasted at least the threshold (10 s by default), or had two or more
 * pageviews, or a conversion.
 */
public final class EngagementRule {
  private final long thresholdNanos;

  public EngagementRule(Duration threshold) {
    this.thresholdNanos = threshold.toNanos();
  }

  public boolean isEngaged(SessionSummary s, int conversions) {
    return s.lastNanos() - s.firstNanos() >= thresholdNanos || s.pageviews() >= 2 || conversions > 0;
  }
}

package io.rumsessions.processor.config;

import java.time.Duration;
import java.time.ZoneId;

/**
 * The session rules' parameters.
 *
 * @param maxLength zero means no maximum
 * @param allowedLateness how long after a session's last span arrived it stays open for late
 *     batches; a session closes once nothing has arrived for {@code inactivityTimeout +
 *     allowedLateness}
 * @param engagedAfter a session at least this long is engaged (GA4: 10 s)
 * @param traceMapSize traces remembered to join backend spans to browser sessions
 */
public record SessionConfig(
    Duration inactivityTimeout,
    Duration allowedLateness,
    Duration maxLength,
    boolean splitAtMidnight,
    boolean splitOnCampaignChange,
    ZoneId timeZone,
    int maxActive,
    LimitPolicy onLimit,
    Duration sweepInterval,
    Duration engagedAfter,
    int traceMapSize) {

  /** What happens when a new session would exceed {@code maxActive}. */
  public enum LimitPolicy {
    /** End the least recently active session early (counted as evicted). */
    EVICT_OLDEST,
    /** Refuse the new session's spans (counted as outcome {@code session_limit}). */
    REJECT_NEW
  }
}

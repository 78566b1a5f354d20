package io.rumsessions.processor.session;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.SessionConfig;

/**
 * When a span continues a session and when it starts a new one — every boundary rule in one
 * place, on event time.
 *
 * <ul>
 *   <li>A span continues a session while {@code |event time − nearest edge| ≤ timeout}: later
 *       than the last event by at most the timeout, or earlier than the first by at most the
 *       timeout (a late batch may extend a session backwards).
 *   <li>A span later than {@code last + timeout} starts a new session.
 *   <li>A span earlier than {@code first − timeout} cannot start a session of its own behind the
 *       current one: it is late.
 *   <li>Optional maximum length and midnight (site time zone) splits apply to spans that move
 *       the session forward; a late span that would break them is late.
 * </ul>
 */
public final class SessionRules {
  /** What to do with one span against an existing session. */
  public enum Decision {
    JOIN,
    SPLIT_TIMEOUT,
    SPLIT_MAX_LENGTH,
    SPLIT_MIDNIGHT,
    LATE
  }

  private final long timeoutNanos;
  private final long maxLengthNanos;
  private final SiteCalendar calendar;
  private final boolean splitAtMidnight;

  public SessionRules(SessionConfig config) {
    this.timeoutNanos = config.inactivityTimeout().toNanos();
    this.maxLengthNanos = config.maxLength().toNanos();
    this.calendar = new SiteCalendar(config.timeZone());
    this.splitAtMidnight = config.splitAtMidnight();
  }

  public Decision decide(long firstNanos, long lastNanos, long t) {
    if (t > lastNanos) {
      if (t - lastNanos > timeoutNanos) return Decision.SPLIT_TIMEOUT;
      if (maxLengthNanos > 0 && t - firstNanos > maxLengthNanos) return Decision.SPLIT_MAX_LENGTH;
      if (splitAtMidnight && day(t) != day(firstNanos)) return Decision.SPLIT_MIDNIGHT;
      return Decision.JOIN;
    }
    if (t >= firstNanos) return Decision.JOIN;
    if (firstNanos - t > timeoutNanos) return Decision.LATE;
    if (maxLengthNanos > 0 && lastNanos - t > maxLengthNanos) return Decision.LATE;
    if (splitAtMidnight && day(t) != day(lastNanos)) return Decision.LATE;
    return Decision.JOIN;
  }

  /** Whether a span this far after an ended session's last event starts a new session. */
  public boolean startsAfter(long lastNanos, long t) {
    return t > lastNanos && t - lastNanos > timeoutNanos;
  }

  /** Whether a late span falls inside an ended session's reach (and so belongs to it). */
  public boolean withinReach(long firstNanos, long lastNanos, long t) {
    return t >= firstNanos - timeoutNanos && t <= lastNanos + timeoutNanos;
  }

  /** Days since the epoch in the site time zone. */
  private long day(long epochNanos) {
    return calendar.day(Math.floorDiv(epochNanos, 1_000_000L));
  }
}

package io.rumsessions.processor.session;

/** Why a session ended; the rule that ended it. */
public enum EndReason {
  /** Nothing arrived for the inactivity timeout plus the allowed lateness. */
  INACTIVITY,
  /** A span came later than the inactivity timeout after the last one. */
  TIMEOUT_SPLIT,
  /** The session reached the configured maximum length. */
  MAX_LENGTH,
  /** The session crossed midnight in the site time zone. */
  MIDNIGHT,
  /** A pageview arrived from another campaign (optional, Matomo-style). */
  CAMPAIGN_CHANGE,
  /** The active-session cap was reached and this was the least recently active session. */
  EVICTED
}

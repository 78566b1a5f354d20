package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;

/** Where one span went: reused per thread, like {@link SessionEvent}. */
public final class Assignment {
  /** The span's fate in the session engine. */
  public enum Outcome {
    ACCEPTED,
    /** Belongs to a session that has already ended, or to none that can still be counted. */
    LATE,
    /** The active-session cap refused a new session. */
    SESSION_LIMIT,
    /** The span's session is a bot session: excluded from session metrics. */
    BOT
  }

  Outcome outcome;
  String sessionId;
  int sequence;
  String botReason;
  Attribution attribution;
  boolean counted;
  long handle;

  public Outcome outcome() {
    return outcome;
  }

  /** The session the span was assigned to; null when it could not be placed. */
  public String sessionId() {
    return sessionId;
  }

  /** 1-based position of the span in its session, 0 for a late span. */
  public int sequence() {
    return sequence;
  }

  /**
   * For outcome ACCEPTED of a span with a conversion: the session's attribution so far (null before
   * its first pageview). Null for other spans, whose path need not read it.
   */
  public Attribution attribution() {
    return attribution;
  }

  /** For outcome BOT: the session's bot reason label. */
  public String botReason() {
    return botReason;
  }

  /**
   * For outcome ACCEPTED: this span made its session count as a started human session (the
   * moment a visitor is counted).
   */
  public boolean countedNow() {
    return counted;
  }

  /**
   * For outcome ACCEPTED: names the session for {@link SessionStore#recordBackend}, without a key
   * object; never 0. Stops naming it once the session's key is forgotten.
   */
  public long sessionHandle() {
    return handle;
  }

  void set(Outcome outcome, String sessionId, int sequence) {
    this.outcome = outcome;
    this.sessionId = sessionId;
    this.sequence = sequence;
    this.botReason = null;
    this.attribution = null;
    this.counted = false;
    this.handle = 0;
  }
}

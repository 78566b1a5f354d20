package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;

/**
 * The live aggregate of one session: a few numbers and three shared or short strings, never
 * the spans themselves. Guarded by its shard's lock.
 */
final class SessionState {
  final SessionKey key;
  final int generation;
  final String sessionId;
  String device;
  /** Bounded label values from the first pageview; null until one arrives. */
  Attribution attribution;
  /** Null for a human session. */
  String botReason;
  /** Whether {@link SessionListener#started} has counted this session. */
  boolean counted;
  long firstNanos;
  long lastNanos;
  long lastArrivalMillis;
  int pageviews;
  int interactions;
  int spans;
  long landingNanos = Long.MAX_VALUE;
  long exitNanos = Long.MIN_VALUE;
  String landingPage;
  String exitPage;
  /** Consented stitching ids: the visitor's previous session and user id, first seen wins. */
  String previousId;
  String userId;
  int backendRequests;
  int backendErrors;
  int conversions;

  SessionState(SessionKey key, int generation, String device, Attribution attribution, long timeNanos, long arrivalMillis) {
    this.key = key;
    this.generation = generation;
    this.sessionId = sessionIdFor(key.id(), generation);
    this.device = device;
    this.attribution = attribution;
    this.firstNanos = timeNanos;
    this.lastNanos = timeNanos;
    this.lastArrivalMillis = arrivalMillis;
  }

  /** The first session of a key keeps the key as its id; later ones get a generation suffix. */
  static String sessionIdFor(String keyId, int generation) {
    return generation == 0 ? keyId : keyId + "-" + generation;
  }

  /** Adds one span; returns its sequence number in the session (1-based). */
  int apply(SessionEvent e, long arrivalMillis) {
    long t = e.timeNanos;
    if (t < firstNanos) firstNanos = t;
    if (t > lastNanos) lastNanos = t;
    if (e.pageview) {
      pageviews++;
      if (t < landingNanos) {
        landingNanos = t;
        landingPage = e.page;
      }
      if (t >= exitNanos) {
        exitNanos = t;
        exitPage = e.page;
      }
    }
    if (e.interaction) interactions++;
    if (e.conversion != null) conversions++;
    if (previousId == null) previousId = e.previousId;
    if (userId == null) userId = e.userId;
    lastArrivalMillis = arrivalMillis;
    return ++spans;
  }

  SessionSummary summary(EndReason reason) {
    return new SessionSummary(key.service(), sessionId, firstNanos, lastNanos, pageviews,
        interactions, spans, landingPage, exitPage, device == null ? "other" : device, channel(), reason,
        previousId, userId, backendRequests, backendErrors, attribution, conversions);
  }

  /** The channel label; {@code unassigned} for a session that never had a pageview. */
  String channel() {
    return attribution == null ? "unassigned" : attribution.channelLabel();
  }
}

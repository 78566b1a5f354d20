package io.rumsessions.processor.session;

/**
 * A session as written to and read from the restart snapshot: the aggregate only. Pages are
 * paths without query strings, so nothing personal from a URL is stored.
 *
 * @param ended true for an ended session remembered for late spans, false for an active one
 */
public record StoredSession(
    String service,
    String keyId,
    int generation,
    boolean ended,
    long firstNanos,
    long lastNanos,
    long lastArrivalMillis,
    int pageviews,
    int interactions,
    int spans,
    long landingNanos,
    long exitNanos,
    String landingPage,
    String exitPage,
    String device,
    String channel,
    String botReason,
    boolean counted,
    String previousId,
    String userId,
    int backendRequests,
    int backendErrors,
    String source,
    String medium,
    String campaign,
    int conversions) {}

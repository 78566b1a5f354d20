package io.rumsessions.processor.session;

/**
 * What is remembered of an ended session for a while, so that a late span is recognised as
 * belonging to it instead of starting a duplicate.
 */
record EndedSession(long firstNanos, long lastNanos, int generation, String sessionId, long closedAtMillis) {}

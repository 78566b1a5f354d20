package io.rumsessions.processor.session;

/**
 * Told when sessions start and end. Called under the session's shard lock: implementations
 * must be quick and must not block (count, enqueue).
 */
public interface SessionListener {
  void started(String service, String sessionId, String device, String channel);

  void ended(SessionSummary summary);

  /** A session restored from a snapshot: active again, but its start was already counted. */
  default void restored(String service) {}

  /** A session ended early to keep the active-session cap. */
  default void evicted(String service) {}

  SessionListener NONE = new SessionListener() {
    @Override
    public void started(String service, String sessionId, String device, String channel) {}

    @Override
    public void ended(SessionSummary summary) {}
  };
}

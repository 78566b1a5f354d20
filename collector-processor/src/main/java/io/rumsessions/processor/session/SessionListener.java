package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;

/**
 * Told when sessions start and end. Called under the session's shard lock: implementations
 * must be quick and must not block (count, enqueue).
 */
public interface SessionListener {
  /**
   * A human session is counted: when its first span with a user agent arrives, or when it ends
   * without one. Bot sessions found before that are never counted here.
   */
  void started(String service, String sessionId, String device, Attribution attribution);

  void ended(SessionSummary summary);

  /**
   * Sessions restored from a checkpoint: active again, but their start was already counted.
   * Told once per service with the number restored (a restart restores up to millions).
   */
  default void restored(String service, int count) {}

  /** A session ended early to keep the active-session cap. */
  default void evicted(String service) {}

  /**
   * A session turned out to be a bot.
   *
   * @param wasCounted true when {@link #started} had already counted it as human: it is then
   *     reclassified (it will not be counted as ended, bounced or engaged)
   */
  default void botSession(String service, String reason, boolean wasCounted) {}

  SessionListener NONE = new SessionListener() {
    @Override
    public void started(String service, String sessionId, String device, Attribution attribution) {}

    @Override
    public void ended(SessionSummary summary) {}
  };
}

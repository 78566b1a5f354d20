package io.rumsessions.processor.session;

/**
 * One span as the session rules see it. Mutable and reused per thread, so the hot path does
 * not allocate an event per span.
 */
public final class SessionEvent {
  long timeNanos;
  boolean pageview;
  boolean interaction;
  String page;
  String device;
  String channel;
  String botReason;
  String previousId;
  String userId;

  public SessionEvent set(long timeNanos, boolean pageview, boolean interaction, String page) {
    this.timeNanos = timeNanos;
    this.pageview = pageview;
    this.interaction = interaction;
    this.page = page;
    this.device = null;
    this.channel = null;
    this.botReason = null;
    this.previousId = null;
    this.userId = null;
    return this;
  }

  /** Ids for stitching, only ever set when the visitor consented. */
  public SessionEvent stitching(String previousId, String userId) {
    this.previousId = previousId;
    this.userId = userId;
    return this;
  }

  /**
   * The labels this span can tell. Channel is fixed at session start; device is taken from the
   * first span that knows it (one carrying a user agent), which also confirms the session as
   * human unless a bot reason is given.
   *
   * @param device null when the span carries no user agent
   */
  public SessionEvent labels(String device, String channel) {
    this.device = device;
    this.channel = channel;
    return this;
  }

  /** The bot rules' reason label for this span, or null. A bot span makes its session a bot. */
  public SessionEvent bot(String reason) {
    this.botReason = reason;
    return this;
  }

  public long timeNanos() {
    return timeNanos;
  }
}

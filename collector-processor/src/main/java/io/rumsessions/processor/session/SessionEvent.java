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

  public SessionEvent set(long timeNanos, boolean pageview, boolean interaction, String page) {
    this.timeNanos = timeNanos;
    this.pageview = pageview;
    this.interaction = interaction;
    this.page = page;
    this.device = null;
    this.channel = null;
    return this;
  }

  /** Device and channel are fixed at session start; later spans' values are ignored. */
  public SessionEvent labels(String device, String channel) {
    this.device = device;
    this.channel = channel;
    return this;
  }

  public long timeNanos() {
    return timeNanos;
  }
}

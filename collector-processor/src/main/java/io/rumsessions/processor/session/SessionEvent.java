package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;

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
  Attribution attribution;
  String conversion;
  String botReason;
  String previousId;
  String userId;

  public SessionEvent set(long timeNanos, boolean pageview, boolean interaction, String page) {
    this.timeNanos = timeNanos;
    this.pageview = pageview;
    this.interaction = interaction;
    this.page = page;
    this.device = null;
    this.attribution = null;
    this.conversion = null;
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
   * The labels this span can tell. The session takes its device from the first span with a
   * user agent and its attribution from its first pageview (fixed at session start); once it
   * has both it is counted as started, unless a bot reason came first.
   *
   * @param device null when the span carries no user agent
   * @param attribution bounded label values, null unless the span is a pageview
   */
  public SessionEvent labels(String device, Attribution attribution) {
    this.device = device;
    this.attribution = attribution;
    return this;
  }

  /** The conversion this span completes, or null. */
  public SessionEvent conversion(String name) {
    this.conversion = name;
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

  public boolean pageview() {
    return pageview;
  }

  public boolean interaction() {
    return interaction;
  }

  public String page() {
    return page;
  }

  public String device() {
    return device;
  }

  public Attribution attribution() {
    return attribution;
  }

  public String conversion() {
    return conversion;
  }

  public String botReason() {
    return botReason;
  }

  public String previousId() {
    return previousId;
  }

  public String userId() {
    return userId;
  }
}

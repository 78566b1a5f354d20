package io.rumsessions.processor.durability;

import io.rumsessions.processor.metrics.RumMetrics;

/** One resource's spans by outcome, counted as the pipeline walks them and logged as one change. */
public final class SpanCounts {
  static final int FIELDS = 11;

  public long accepted;
  public long late;
  public long invalid;
  public long badTime;
  public long limited;
  public long bot;
  public long duplicate;
  public long backendAttributed;
  public long backendUnattributed;
  /**
   * Spans keyed by a cookie-free id whose request gave them no user agent (none on the span, its
   * resource, the request, or another span of its client session in the request): their session is
   * a guess (see SpanPipeline). Logged last, after the outcomes.
   */
  public long withoutUserAgent;
  /** Sessions counted as started that arrived direct and took their visitor's last non-direct campaign. */
  public long lastNonDirect;

  public SpanCounts clear() {
    accepted = late = invalid = badTime = limited = bot = duplicate = backendAttributed = backendUnattributed = withoutUserAgent = lastNonDirect = 0;
    return this;
  }

  boolean isEmpty() {
    return (accepted | late | invalid | badTime | limited | bot | duplicate | backendAttributed | backendUnattributed
        | withoutUserAgent | lastNonDirect) == 0;
  }

  long[] values() {
    return new long[] {accepted, late, invalid, badTime, limited, bot, duplicate, backendAttributed, backendUnattributed,
        withoutUserAgent, lastNonDirect};
  }

  static SpanCounts of(long[] v) {
    SpanCounts c = new SpanCounts();
    c.accepted = v[0];
    c.late = v[1];
    c.invalid = v[2];
    c.badTime = v[3];
    c.limited = v[4];
    c.bot = v[5];
    c.duplicate = v[6];
    c.backendAttributed = v[7];
    c.backendUnattributed = v[8];
    c.withoutUserAgent = v[9];
    c.lastNonDirect = v[10];
    return c;
  }

  void countInto(RumMetrics metrics, String service) {
    // values() starts with the outcomes in RumMetrics.SPAN_OUTCOMES' order: one list of names.
    long[] v = values();
    if ((accepted | late | bot | limited | duplicate) != 0) metrics.browserService(service);
    for (int i = 0; i < RumMetrics.SPAN_OUTCOMES.size(); i++) metrics.spans(service, RumMetrics.SPAN_OUTCOMES.get(i), v[i]);
    metrics.backendSpans(service, "attributed", backendAttributed);
    metrics.backendSpans(service, "unattributed", backendUnattributed);
    metrics.spansWithoutUserAgent(service, withoutUserAgent);
    metrics.sessionsLastNonDirect(service, lastNonDirect);
  }
}

package io.rumsessions.processor.export;

import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionSummary;

/** Queues one {@code session} span for every session that ends. */
public final class SessionSpanListener implements SessionListener {
  private final SessionSpans spans;
  private final ExportSink queue;

  public SessionSpanListener(SessionSpans spans, ExportSink queue) {
    this.spans = spans;
    this.queue = queue;
  }

  @Override
  public void started(String service, String sessionId, String device, io.rumsessions.processor.attribution.Attribution attribution) {}

  @Override
  public void ended(SessionSummary summary) {
    queue.offer("session", spans.of(summary));
  }
}

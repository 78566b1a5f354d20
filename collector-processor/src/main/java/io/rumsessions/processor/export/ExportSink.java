package io.rumsessions.processor.export;

import io.opentelemetry.sdk.trace.data.SpanData;

/** Where spans to export go: called under the state lock, so it must not block. */
public interface ExportSink {
  /** @param kind {@code session} or {@code forwarded} */
  void offer(String kind, SpanData span);
}

package io.rumsessions.processor.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.rumsessions.processor.metrics.RumMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded queue in front of the SDK exporter, drained in batches by one thread. Ingest never
 * waits for the export backend: when the queue is full a span is dropped and counted
 * ({@code rum_export_spans_total{outcome="dropped"}}).
 */
public final class SpanExportQueue implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SpanExportQueue.class.getName());

  private final SpanExporter exporter;
  private final ArrayBlockingQueue<Entry> queue;
  private final int batchSize;
  private final long timeoutMillis;
  private final RumMetrics metrics;
  private final Thread worker;
  private volatile boolean running = true;

  private record Entry(String kind, SpanData span) {}

  public SpanExportQueue(SpanExporter exporter, int capacity, int batchSize, long timeoutMillis, RumMetrics metrics) {
    this.exporter = exporter;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.batchSize = batchSize;
    this.timeoutMillis = timeoutMillis;
    this.metrics = metrics;
    this.worker = new Thread(this::drain, "rum-export");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** Enqueues without blocking; {@code kind} is {@code session} or {@code forwarded}. */
  public void offer(String kind, SpanData span) {
    if (!queue.offer(new Entry(kind, span))) {
      metrics.exported(kind, "dropped", 1);
    }
  }

  public int size() {
    return queue.size();
  }

  public int capacity() {
    return queue.size() + queue.remainingCapacity();
  }

  private void drain() {
    List<Entry> batch = new ArrayList<>(batchSize);
    while (running || !queue.isEmpty()) {
      try {
        Entry first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        batch.add(first);
        queue.drainTo(batch, batchSize - 1);
        send(batch);
        batch.clear();
      } catch (InterruptedException e) {
        if (!running) break;
      }
    }
  }

  private void send(List<Entry> batch) {
    List<SpanData> spans = new ArrayList<>(batch.size());
    for (Entry e : batch) spans.add(e.span());
    CompletableResultCode result = exporter.export(spans).join(timeoutMillis, TimeUnit.MILLISECONDS);
    String outcome = result.isSuccess() ? "success" : "failed";
    long sessions = batch.stream().filter(e -> e.kind().equals("session")).count();
    metrics.exported("session", outcome, sessions);
    metrics.exported("forwarded", outcome, batch.size() - sessions);
    if (!result.isSuccess()) {
      LOG.log(System.Logger.Level.WARNING, "OTLP export of {0} spans failed", batch.size());
    }
  }

  /** Sends what is queued (bounded by the export timeout), then shuts the exporter down. */
  @Override
  public void close() {
    running = false;
    try {
      worker.join(timeoutMillis + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    exporter.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
  }
}

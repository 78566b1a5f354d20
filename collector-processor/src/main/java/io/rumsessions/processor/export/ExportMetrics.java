package io.rumsessions.processor.export;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.LongSupplier;

/**
 * What the OTLP export did and what waits for it: one set per process, in either mode (the
 * distributed mode exports from one instance at a time, from a topic, not per partition).
 */
public final class ExportMetrics {
  private final Counter exported;
  private final Counter retries;

  public ExportMetrics(PrometheusRegistry registry) {
    exported = Counter.builder().withoutExemplars().name("rum_export_spans_total")
        .help("Spans handed to the OTLP exporter, by kind and result.")
        .labelNames("kind", "outcome").register(registry);
    retries = Counter.builder().withoutExemplars().name("rum_export_retries_total")
        .help("OTLP export requests that failed in a retryable way (endpoint down, overloaded, timed out) and were sent again.")
        .register(registry);
  }

  /** The export queue, read at each scrape. */
  public void registerQueue(PrometheusRegistry registry, ExportQueue queue, long maxBytes) {
    GaugeWithCallback.builder().name("rum_export_queue_bytes")
        .help("Bytes waiting for the OTLP endpoint: the state log from the export cursor on (spans and the state changes"
            + " between them), or in the distributed mode the export topic's records not yet sent.")
        .unit(Unit.BYTES)
        .callback(cb -> cb.call(queue.pendingBytes())).register(registry);
    GaugeWithCallback.builder().name("rum_export_queue_max_bytes")
        .help("export.queue-max-bytes: past it the oldest waiting spans are dropped (rum_export_spans_total{outcome=\"dropped\"}).")
        .unit(Unit.BYTES)
        .callback(cb -> cb.call(maxBytes)).register(registry);
    LongSupplier oldestMillis = queue::oldestArrivalMillis;
    GaugeWithCallback.builder().name("rum_export_queue_oldest_age_seconds")
        .help("Age of the oldest span the OTLP endpoint has not accepted yet; 0 when none waits.")
        .unit(Unit.SECONDS)
        .callback(cb -> {
          long oldest = oldestMillis.getAsLong();
          cb.call(oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0);
        }).register(registry);
  }

  public void exportRetry() {
    retries.inc();
  }

  public void exported(String kind, String outcome, long n) {
    if (n > 0) exported.labelValues(kind, outcome).inc(n);
  }
}

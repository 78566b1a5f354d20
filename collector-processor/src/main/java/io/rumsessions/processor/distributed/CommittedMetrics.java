package io.rumsessions.processor.distributed;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayDeque;

/**
 * A partition's metrics as of its committed Kafka offset, never newer: what a scrape shows is
 * in the changelog already, so an instance killed after a scrape cannot have shown an increment
 * that its successor, restoring from the changelog, counts again — nor one that it loses.
 *
 * <p>The task snapshots its metrics now and then, each tagged with the input offset it has
 * processed up to; a snapshot becomes visible once the application's committed offset for the
 * partition (read back from the group, which shows only committed transactions) reaches its
 * tag. Scrapes lag by about one commit interval.
 */
final class CommittedMetrics {
  /** Snapshots kept waiting for their commit; older ones are dropped first (a newer one will do). */
  private static final int MAX_WAITING = 32;

  private record Tagged(long nextOffset, MetricSnapshots snapshot) {}

  private final PrometheusRegistry registry;
  private final ArrayDeque<Tagged> waiting = new ArrayDeque<>();
  private volatile MetricSnapshots visible;
  private boolean changed = true;

  CommittedMetrics(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /** The state changed; on the task's thread. */
  void changed() {
    changed = true;
  }

  /**
   * Takes a snapshot of the state after processing every input record before {@code nextOffset};
   * on the task's thread, between records.
   */
  void snapshot(long nextOffset) {
    if (!changed) return;
    MetricSnapshots s = registry.scrape();
    changed = false;
    synchronized (waiting) {
      if (waiting.size() == MAX_WAITING) waiting.removeFirst();
      waiting.addLast(new Tagged(nextOffset, s));
    }
  }

  /**
   * The restored state is committed by definition: visible at once. Called when the task starts,
   * with no record processed yet.
   */
  void restored() {
    visible = registry.scrape();
    changed = false;
  }

  /** The group's committed offset for the partition reached {@code offset}. */
  void committedUpTo(long offset) {
    MetricSnapshots newest = null;
    synchronized (waiting) {
      while (!waiting.isEmpty() && waiting.peekFirst().nextOffset() <= offset) newest = waiting.removeFirst().snapshot();
    }
    if (newest != null) visible = newest;
  }

  /** The latest committed snapshot. */
  MetricSnapshots committed() {
    return visible;
  }
}

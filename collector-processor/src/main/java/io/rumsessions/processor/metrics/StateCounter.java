package io.rumsessions.processor.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A counter that is part of the checkpointed state: client_java's counter, with the handle of
 * every series it has kept here, so that a checkpoint reads the values straight from them.
 * Collecting the counter instead builds and sorts a label set and a snapshot per series, and a
 * checkpoint does it while it holds the state lock: 3–50 ms under load (bench/RESULTS.md,
 * "Session 11"), which every waiting request pays.
 */
final class StateCounter {
  private final Counter counter;
  /** Label values (in declaration order) to their series; the same handles client_java keeps. */
  private final ConcurrentHashMap<List<String>, CounterDataPoint> series = new ConcurrentHashMap<>();

  StateCounter(PrometheusRegistry registry, String name, String help, String... labelNames) {
    this.counter = Counter.builder().withoutExemplars().name(name).help(help).labelNames(labelNames).register(registry);
  }

  /** The series with these label values (in declaration order), created at zero if new. */
  CounterDataPoint labelValues(String... values) {
    CounterDataPoint p = series.get(Arrays.asList(values));
    if (p != null) return p;
    // client_java checks the values (count, nulls) and returns its own handle for them.
    p = counter.labelValues(values);
    CounterDataPoint before = series.putIfAbsent(List.of(values), p);
    return before == null ? p : before;
  }

  /** Name without {@code _total}, as client_java names it (and as checkpoints store it). */
  String name() {
    return counter.getPrometheusName();
  }

  /** Appends every series' value: one read per series, no snapshot built. */
  void save(List<SavedMetrics.CounterValue> out) {
    String name = name();
    series.forEach((values, point) -> out.add(new SavedMetrics.CounterValue(name, values, point.get())));
  }
}

package io.rumsessions.processor.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A labelled classic histogram whose buckets and sum can be read out and put back, which
 * client_java's own {@code Histogram} does not allow: the session histograms are part of the
 * checkpointed state, so that a restart continues them instead of resetting them. Written by
 * hand for that one reason; exposition is client_java's, from the snapshot built here.
 */
public final class ClassicHistogram implements Collector {
  private final MetricMetadata metadata;
  private final String[] labelNames;
  /** Upper bounds, +Inf last. */
  private final double[] bounds;
  private final Map<List<String>, Cell> cells = new ConcurrentHashMap<>();

  public ClassicHistogram(String name, String help, Unit unit, double[] upperBounds, String... labelNames) {
    this.metadata = new MetricMetadata(name, help, unit);
    this.labelNames = labelNames.clone();
    this.bounds = Arrays.copyOf(upperBounds, upperBounds.length + 1);
    bounds[upperBounds.length] = Double.POSITIVE_INFINITY;
  }

  public ClassicHistogram register(PrometheusRegistry registry) {
    registry.register(this);
    return this;
  }

  public Cell labelValues(String... values) {
    return cells.computeIfAbsent(List.of(values), k -> new Cell(bounds.length));
  }

  /** One label set's buckets (not cumulative) and sum. */
  public final class Cell {
    private final long[] counts;
    private double sum;

    Cell(int buckets) {
      counts = new long[buckets];
    }

    public synchronized void observe(double value) {
      int i = 0;
      while (value > bounds[i]) i++;
      counts[i]++;
      sum += value;
    }

    synchronized long[] counts() {
      return counts.clone();
    }

    synchronized double sum() {
      return sum;
    }

    synchronized void restore(long[] saved, double savedSum) {
      if (saved.length != counts.length) throw new IllegalArgumentException("histogram has " + counts.length + " buckets, saved " + saved.length);
      System.arraycopy(saved, 0, counts, 0, counts.length);
      sum = savedSum;
    }
  }

  /** A label set's saved state. */
  public record Saved(List<String> labels, long[] counts, double sum) {}

  public List<Saved> save() {
    List<Saved> out = new ArrayList<>();
    cells.forEach((labels, cell) -> {
      synchronized (cell) {
        out.add(new Saved(labels, cell.counts(), cell.sum()));
      }
    });
    return out;
  }

  public void restore(List<Saved> saved) {
    for (Saved s : saved) labelValues(s.labels().toArray(String[]::new)).restore(s.counts(), s.sum());
  }

  public String name() {
    return metadata.getName();
  }

  @Override
  public HistogramSnapshot collect() {
    HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(metadata.getName()).help(metadata.getHelp()).unit(metadata.getUnit());
    cells.forEach((labels, cell) -> {
      long[] counts;
      double sum;
      synchronized (cell) {
        counts = cell.counts();
        sum = cell.sum();
      }
      b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
          .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
          .sum(sum)
          .labels(Labels.of(labelNames, labels.toArray(String[]::new)))
          .build());
    });
    return b.build();
  }

  @Override
  public String getPrometheusName() {
    return metadata.getPrometheusName();
  }
}

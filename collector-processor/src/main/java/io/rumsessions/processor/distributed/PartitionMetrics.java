package io.rumsessions.processor.distributed;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The metrics of the session partitions this instance runs, as one exposition: each partition's
 * committed snapshot ({@link CommittedMetrics}) with a {@code partition} label added.
 *
 * <p>Why a label rather than a sum: a partition moves between instances (failover, scaling), and
 * with its own series it moves whole: the old instance's series ends, the new one's starts at
 * the committed value, so neither instance's counter ever goes down (which Prometheus would
 * take for a reset and count again) and {@code sum without (instance, partition)} is exact.
 */
final class PartitionMetrics implements MultiCollector {
  static final String LABEL = "partition";

  private final Map<Integer, CommittedMetrics> partitions = new ConcurrentSkipListMap<>();

  void add(int partition, CommittedMetrics metrics) {
    partitions.put(partition, metrics);
  }

  void remove(int partition, CommittedMetrics metrics) {
    partitions.remove(partition, metrics);
  }

  /** Each running partition's committed metrics. */
  void forEach(java.util.function.BiConsumer<Integer, CommittedMetrics> action) {
    partitions.forEach(action);
  }

  /** The partitions whose state this instance has loaded and runs. */
  java.util.Set<Integer> partitions() {
    return partitions.keySet();
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Merged> byName = new LinkedHashMap<>();
    partitions.forEach((partition, metrics) -> {
      MetricSnapshots snapshots = metrics.committed();
      if (snapshots == null) return;
      String p = Integer.toString(partition);
      for (MetricSnapshot s : snapshots) {
        byName.computeIfAbsent(s.getMetadata().getPrometheusName(), n -> new Merged(s)).add(s, p);
      }
    });
    List<MetricSnapshot> out = new ArrayList<>(byName.size());
    for (Merged m : byName.values()) {
      MetricSnapshot s = m.build();
      if (s != null) out.add(s);
    }
    return new MetricSnapshots(out);
  }

  /** One metric's data points from every partition, each labelled with its partition. */
  private static final class Merged {
    private final MetricSnapshot first;
    private final List<Object> points = new ArrayList<>();

    Merged(MetricSnapshot first) {
      this.first = first;
    }

    void add(MetricSnapshot s, String partition) {
      if (s.getClass() != first.getClass()) return;
      if (s instanceof CounterSnapshot c) {
        for (CounterDataPointSnapshot d : c.getDataPoints()) {
          points.add(new CounterDataPointSnapshot(d.getValue(), d.getLabels().add(LABEL, partition), null,
              d.hasCreatedTimestamp() ? d.getCreatedTimestampMillis() : 0L));
        }
      } else if (s instanceof GaugeSnapshot g) {
        for (GaugeDataPointSnapshot d : g.getDataPoints()) {
          points.add(new GaugeDataPointSnapshot(d.getValue(), d.getLabels().add(LABEL, partition), null));
        }
      } else if (s instanceof HistogramSnapshot h) {
        for (HistogramDataPointSnapshot d : h.getDataPoints()) {
          points.add(new HistogramDataPointSnapshot(d.getClassicBuckets(), d.hasSum() ? d.getSum() : Double.NaN,
              d.getLabels().add(LABEL, partition), null, d.hasCreatedTimestamp() ? d.getCreatedTimestampMillis() : 0L));
        }
      } else if (s instanceof UnknownSnapshot u) {
        for (UnknownDataPointSnapshot d : u.getDataPoints()) {
          points.add(new UnknownDataPointSnapshot(d.getValue(), d.getLabels().add(LABEL, partition), null));
        }
      }
      // Other kinds (info, state sets, summaries) are not registered per partition.
    }

    @SuppressWarnings("unchecked")
    MetricSnapshot build() {
      MetricMetadata m = first.getMetadata();
      if (first instanceof CounterSnapshot) return new CounterSnapshot(m, (List<CounterDataPointSnapshot>) (List<?>) points);
      if (first instanceof GaugeSnapshot) return new GaugeSnapshot(m, (List<GaugeDataPointSnapshot>) (List<?>) points);
      if (first instanceof HistogramSnapshot h) {
        return new HistogramSnapshot(h.isGaugeHistogram(), m, (List<HistogramDataPointSnapshot>) (List<?>) points);
      }
      if (first instanceof UnknownSnapshot) return new UnknownSnapshot(m, (List<UnknownDataPointSnapshot>) (List<?>) points);
      return null;
    }
  }
}

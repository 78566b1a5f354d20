package io.rumsessions.processor.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartitionMetricsTest {
  private static String exposition(PrometheusRegistry registry) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void eachPartitionsCommittedSeriesCarryItsPartitionAndAMetricIsListedOnce() throws Exception {
    PartitionMetrics partitions = new PartitionMetrics();
    for (int p : new int[] {3, 7}) {
      PrometheusRegistry r = new PrometheusRegistry();
      Counter.builder().name("rum_sessions_started_total").labelNames("service_name").register(r)
          .labelValues("shop").inc(p);
      Histogram.builder().name("rum_session_duration_seconds").classicUpperBounds(1, 10).labelNames("service_name")
          .register(r).labelValues("shop").observe(p);
      CommittedMetrics committed = new CommittedMetrics(r);
      committed.restored();
      partitions.add(p, committed);
    }
    PrometheusRegistry top = new PrometheusRegistry();
    top.register(partitions);
    String text = exposition(top);
    assertThat(text).containsOnlyOnce("# TYPE rum_sessions_started_total counter");
    assertThat(text).contains("rum_sessions_started_total{partition=\"3\",service_name=\"shop\"} 3.0");
    assertThat(text).contains("rum_sessions_started_total{partition=\"7\",service_name=\"shop\"} 7.0");
    assertThat(text).contains("rum_session_duration_seconds_bucket{partition=\"7\",service_name=\"shop\",le=\"10.0\"} 1");
    assertThat(text).contains("rum_session_duration_seconds_sum{partition=\"3\",service_name=\"shop\"} 3.0");
    assertThat(partitions.partitions()).containsExactly(3, 7);
  }

  @Test
  void aSnapshotIsShownOnlyOnceTheGroupCommittedPastIt() {
    PrometheusRegistry r = new PrometheusRegistry();
    Counter c = Counter.builder().name("rum_sessions_started_total").register(r);
    CommittedMetrics committed = new CommittedMetrics(r);
    committed.restored();
    c.inc(5);
    committed.changed();
    committed.snapshot(100);
    assertThat(value(committed)).as("not committed yet").isZero();
    committed.committedUpTo(99);
    assertThat(value(committed)).isZero();
    committed.committedUpTo(100);
    assertThat(value(committed)).isEqualTo(5);
    c.inc(2);
    committed.snapshot(120);
    assertThat(value(committed)).as("unchanged state is not snapshotted again until marked").isEqualTo(5);
    committed.changed();
    committed.snapshot(130);
    committed.committedUpTo(200);
    assertThat(value(committed)).isEqualTo(7);
  }

  private static double value(CommittedMetrics m) {
    return m.committed().stream().filter(s -> s.getMetadata().getPrometheusName().equals("rum_sessions_started"))
        .flatMap(s -> s.getDataPoints().stream())
        .mapToDouble(d -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) d).getValue())
        .sum();
  }
}

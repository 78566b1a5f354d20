package io.rumsessions.processor.distributed;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;

/**
 * The instance's own metrics in the distributed mode (beside the partitions' session metrics):
 * what it read, and which partitions it runs.
 */
final class DistributedMetrics {
  private final Counter input;

  DistributedMetrics(PrometheusRegistry registry, PartitionMetrics partitions, Supplier<String> state) {
    this.input = Counter.builder().withoutExemplars().name("rum_kafka_input_records_total")
        .help("Records read from the input topic, by outcome: ok, or malformed (not an OTLP protobuf request; skipped).")
        .labelNames("outcome").register(registry);
    input.labelValues("ok");
    input.labelValues("malformed");
    GaugeWithCallback.builder().name("rum_kafka_partitions")
        .help("Session partitions whose state this instance runs now (their metrics carry a partition label).")
        .callback(cb -> cb.call(partitions.partitions().size())).register(registry);
    GaugeWithCallback.builder().name("rum_kafka_streams_running")
        .help("1 while the Kafka Streams application is RUNNING on this instance (0 while rebalancing, starting or failed).")
        .callback(cb -> cb.call("RUNNING".equals(state.get()) ? 1 : 0)).register(registry);
  }

  void inputRecord() {
    input.labelValues("ok").inc();
  }

  void malformedInput() {
    input.labelValues("malformed").inc();
  }
}

package io.rumsessions.processor.distributed;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.visitors.UniqueVisitors;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;

/**
 * The cluster's unique visitors: every session partition publishes its HLL sketches to a
 * compacted topic (committed with its state), every instance reads them all and merges them,
 * and the instance that runs partition 0 reports {@code rum_visitors} — once for the cluster,
 * so a sum over instances is the cluster's count, not a sum that counts a visitor seen by two
 * partitions twice.
 */
final class ClusterVisitors implements AutoCloseable {
  private final KafkaConsumer<Integer, byte[]> consumer;
  private final Map<Integer, byte[]> latest = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean closed;

  ClusterVisitors(Map<String, Object> clientConfig, String topic) {
    Properties c = new Properties();
    c.putAll(clientConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.consumer = new KafkaConsumer<>(c, new IntegerDeserializer(), new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(topic, 0);
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
    this.reader = new Thread(this::read, "rum-visitor-sketches");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      while (!closed) {
        for (ConsumerRecord<Integer, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
          if (r.key() == null) continue;
          if (r.value() == null) latest.remove(r.key());
          else latest.put(r.key(), r.value());
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Registers {@code rum_visitors}, reported while {@code reports} says this instance runs partition 0. */
  void register(PrometheusRegistry registry, VisitorsConfig config, SiteCalendar calendar, BooleanSupplier reports) {
    GaugeWithCallback.builder().name("rum_visitors")
        .help("Unique visitors of the whole cluster (HLL sketches of every session partition, merged), reported by"
            + " the instance that runs partition 0; over the calendar day (site time zone) or the last 7 or 30 days;"
            + " population all (today only) or consented.")
        .labelNames("service_name", "window", "population")
        .callback(cb -> {
          if (!reports.getAsBoolean()) return;
          long now = System.currentTimeMillis();
          UniqueVisitors merged = merged(config, calendar, now);
          for (UniqueVisitors.Estimate e : merged.estimates(now)) {
            cb.call(Math.round(e.visitors()), e.service(), e.window(), e.population());
          }
        }).register(registry);
  }

  UniqueVisitors merged(VisitorsConfig config, SiteCalendar calendar, long nowMillis) {
    UniqueVisitors merged = new UniqueVisitors(config, calendar);
    for (byte[] sketches : latest.values()) {
      try {
        merged.mergeSketches(new DataInputStream(new ByteArrayInputStream(sketches)), nowMillis);
      } catch (IOException e) {
        // A damaged record leaves that partition out of the estimate until it publishes again.
      }
    }
    return merged;
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

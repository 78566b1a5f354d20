package io.rumsessions.processor.distributed;

import io.rumsessions.processor.durability.PendingExports;
import io.rumsessions.processor.export.ExportQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The distributed mode's export queue: the topic {@code <app>-exports}, one partition, where the
 * session partitions put the spans to export in the transactions that commit their state (so a
 * span is exported once per state change, however often a partition is restored). One instance
 * at a time reads it (a consumer group of the instances); the cursor is the group's committed
 * offset, with how many spans of the next record are sent already, committed only once the
 * endpoint accepted them: delivery is at least once, as in the embedded mode. The topic's
 * {@code retention.bytes} ({@code export.queue-max-bytes}) bounds it.
 *
 * <p>Used by the exporter's thread only, as Kafka's consumer must be.
 */
final class KafkaExportQueue implements ExportQueue, AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TopicPartition partition;
  /** Records read and not yet fully committed, from the cursor on. */
  private final List<ConsumerRecord<byte[], byte[]>> buffered = new ArrayList<>();
  private long position = -1;
  private int item;
  private volatile long pendingBytes;
  private volatile long oldestArrivalMillis;

  KafkaExportQueue(Map<String, Object> clientConfig, String topic, String groupId) {
    Properties c = new Properties();
    c.putAll(clientConfig);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // An outage may hold one batch for hours; the exporter keeps the partition meanwhile.
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Integer.toString(24 * 3600 * 1000));
    this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.partition = new TopicPartition(topic, 0);
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        reset();
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        reset();
        if (!partitions.contains(partition)) return;
        OffsetAndMetadata committed = consumer.committed(java.util.Set.of(partition)).get(partition);
        if (committed != null) {
          consumer.seek(partition, committed.offset());
          position = committed.offset();
          item = committed.metadata() == null || committed.metadata().isEmpty() ? 0 : Integer.parseInt(committed.metadata());
        }
      }
    });
  }

  private void reset() {
    buffered.clear();
    position = -1;
    item = 0;
  }

  @Override
  public Batch next(int maxSpans) throws IOException {
    if (buffered.isEmpty()) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        if (r.partition() != partition.partition()) continue;
        if (position < 0) position = r.offset();
        buffered.add(r);
      }
    } else {
      // Keeps the membership alive while a batch is retried; nothing new is read meanwhile.
      consumer.pause(consumer.assignment());
      consumer.poll(Duration.ZERO);
      consumer.resume(consumer.assignment());
    }
    List<PendingExports.Item> items = new ArrayList<>();
    long at = position;
    int atItem = item;
    long bytes = 0;
    for (ConsumerRecord<byte[], byte[]> r : buffered) {
      bytes += r.value() == null ? 0 : r.value().length;
      if (items.size() >= maxSpans || r.value() == null) continue;
      List<PendingExports.Item> all = new ArrayList<>();
      PendingExports.read(ByteBuffer.wrap(r.value()), all::add);
      int from = r.offset() == position ? item : 0;
      int take = Math.min(all.size() - from, maxSpans - items.size());
      if (take > 0) items.addAll(all.subList(from, from + take));
      if (from + Math.max(take, 0) < all.size()) {
        at = r.offset();
        atItem = from + take;
      } else {
        at = r.offset() + 1;
        atItem = 0;
      }
    }
    pendingBytes = bytes;
    oldestArrivalMillis = items.isEmpty() ? 0 : items.get(0).arrivalMillis();
    if (items.isEmpty() && !buffered.isEmpty()) {
      // Records without spans (cannot happen: only non-empty sections are written): passed over.
      commit(new Cursor(at, atItem));
    }
    return new Batch(items, new Cursor(at, atItem));
  }

  @Override
  public void commit(Cursor after) {
    if (position < 0) return;
    consumer.commitSync(Map.of(partition, new OffsetAndMetadata(after.position(), Integer.toString(after.item()))));
    buffered.removeIf(r -> r.offset() < after.position());
    position = after.position();
    item = after.item();
    if (buffered.isEmpty()) position = -1;
  }

  @Override
  public long pendingBytes() {
    return pendingBytes;
  }

  @Override
  public long oldestArrivalMillis() {
    return oldestArrivalMillis;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}

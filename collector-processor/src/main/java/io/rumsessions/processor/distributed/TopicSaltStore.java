package io.rumsessions.processor.distributed;

import io.rumsessions.processor.identity.SaltStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The daily salts in a compacted single-partition topic, shared by every instance: no shared
 * filesystem. An instance that needs a day's salt and has none proposes one (key {@code
 * <day>/<random id>}, so compaction keeps every proposal); the proposal with the lowest offset
 * for the day is the salt, for everyone, since all read the one partition in the same order.
 * Deleting a day writes tombstones for its proposals, which compaction then removes.
 */
final class TopicSaltStore implements SaltStore, AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final String topic;
  private final TopicPartition partition;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  /** The first proposal per day, and every key seen per day (for the tombstones). */
  private final Map<Long, byte[]> salts = new HashMap<>();
  private final Map<Long, List<String>> keys = new HashMap<>();

  TopicSaltStore(Map<String, Object> clientConfig, String topic) {
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    Properties p = new Properties();
    p.putAll(clientConfig);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    Properties c = new Properties();
    c.putAll(clientConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
  }

  @Override
  public synchronized byte[] load(long day) {
    catchUp(endOffset());
    return salts.get(day);
  }

  @Override
  public synchronized byte[] loadOrCreate(long day, byte[] proposal) {
    catchUp(endOffset());
    byte[] salt = salts.get(day);
    if (salt != null || proposal == null) return salt;
    try {
      long offset = producer.send(new ProducerRecord<>(topic, 0, day + "/" + UUID.randomUUID(), proposal))
          .get(WAIT.toMillis(), TimeUnit.MILLISECONDS).offset();
      // Every proposal up to ours is read: the first of them for the day wins (maybe ours).
      catchUp(offset + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while storing the daily salt in " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot store the daily salt in " + topic + ": " + e.getMessage(), e);
    }
    return salts.get(day);
  }

  @Override
  public synchronized void deleteBefore(long oldestKept) {
    catchUp(endOffset());
    List<Long> old = keys.keySet().stream().filter(d -> d < oldestKept).toList();
    for (long day : old) {
      for (String key : keys.get(day)) producer.send(new ProducerRecord<>(topic, 0, key, null));
      keys.remove(day);
      salts.remove(day);
    }
    producer.flush();
  }

  private long endOffset() {
    return consumer.endOffsets(List.of(partition), WAIT).get(partition);
  }

  private void catchUp(long upTo) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (consumer.position(partition, WAIT) < upTo) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("cannot read the daily salts from " + topic);
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        int slash = r.key() == null ? -1 : r.key().indexOf('/');
        if (slash <= 0) continue;
        long day;
        try {
          day = Long.parseLong(r.key().substring(0, slash));
        } catch (NumberFormatException e) {
          continue;
        }
        if (r.value() == null) {
          keys.remove(day);
          salts.remove(day);
          continue;
        }
        keys.computeIfAbsent(day, d -> new java.util.ArrayList<>()).add(r.key());
        if (r.value().length == 16) salts.putIfAbsent(day, r.value());
      }
    }
  }

  @Override
  public synchronized void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }

}

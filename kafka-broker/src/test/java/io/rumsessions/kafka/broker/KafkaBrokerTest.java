package io.rumsessions.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker: a topic, transactions committed and aborted as Kafka Streams' exactly-once
 * uses them, read back with {@code read_committed}; then SIGKILL and a restart on the same log
 * directory, and the committed records are still there, and only they.
 */
class KafkaBrokerTest {
  static final String TOPIC = "spans";

  @TempDir Path tmp;

  @Test
  void transactionsCommittedBeforeAKill9AreReadBackAfterARestart() throws Exception {
    Path dir = tmp.resolve("broker");
    try (KafkaBroker broker = KafkaBroker.start(dir)) {
      System.out.println("broker started in " + broker.lastStartTime().toMillis() + " ms at " + broker.bootstrap());
      assertThat(dir.resolve("data/meta.properties")).as("formatted").isRegularFile();
      assertThat(Files.readString(dir.resolve("server.properties"))).contains("process.roles=broker,controller");

      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        assertThat(admin.describeCluster().clusterId().get()).isNotBlank();
      }

      try (KafkaProducer<String, String> producer = transactionalProducer(broker, "tx-1")) {
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(TOPIC, "k" + i, "committed-" + i));
        producer.commitTransaction();

        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, "x", "aborted")).get();
        producer.abortTransaction();

        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, "k5", "committed-5"));
        producer.commitTransaction();
      }
      List<String> expected = List.of("committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "committed-5");
      assertThat(readCommitted(broker, "before-kill", expected.size())).isEqualTo(expected);

      broker.kill9();
      assertThat(broker.isAlive()).isFalse();
      broker.restart();
      System.out.println("broker restarted after SIGKILL in " + broker.lastStartTime().toMillis() + " ms");

      assertThat(readCommitted(broker, "after-kill", expected.size())).isEqualTo(expected);
      // The transactional id survived too: a new producer with it fences the old epoch and commits.
      try (KafkaProducer<String, String> producer = transactionalProducer(broker, "tx-1")) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, "k6", "committed-6"));
        producer.commitTransaction();
      }
      assertThat(readCommitted(broker, "after-restart-write", expected.size() + 1)).last().isEqualTo("committed-6");
    }
  }

  static KafkaProducer<String, String> transactionalProducer(KafkaBroker broker, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /** Every value in {@link #TOPIC} a {@code read_committed} consumer of a new group sees, waiting for {@code atLeast}. */
  static List<String> readCommitted(KafkaBroker broker, String group, int atLeast) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
        if (values.size() >= atLeast) {
          // One more poll: nothing beyond what was expected (an aborted record) may follow.
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
          return values;
        }
      }
    }
    return values;
  }
}

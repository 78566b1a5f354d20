package io.rumsessions.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
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
 * {@code bin/kafka-dev} as the root README tells a user to run it (other ports and a temp data
 * dir, so that it never meets a broker on 9092): it serves a producer and a consumer, stops on
 * SIGTERM (what Ctrl-C's SIGINT and a service manager do alike: a clean shutdown), and a second
 * run on the same data dir reuses it (no new format) and still holds the record.
 */
class KafkaDevTest {
  @TempDir Path tmp;

  @Test
  void theScriptRunsABrokerThatKeepsItsDataBetweenRuns() throws Exception {
    Path script = Path.of(System.getProperty("rum.repo.root", "..")).resolve("bin/kafka-dev").toAbsolutePath().normalize();
    assertThat(script).isExecutable();
    Path data = tmp.resolve("kafka-dev");
    int[] ports = KafkaBroker.freePorts(2);
    String bootstrap = "127.0.0.1:" + ports[0];
    List<String> command = List.of(script.toString(), "--data-dir", data.toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(ports[0]), "--controller-port", Integer.toString(ports[1]));

    Path firstLog = tmp.resolve("first.log");
    Process first = start(command, firstLog, ports[0]);
    try {
      assertThat(Files.readString(firstLog)).contains("kafka-dev: formatting").contains("KRaft broker on " + bootstrap);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("readme", "k", "kept")).get(30, TimeUnit.SECONDS);
      }
    } finally {
      first.destroy();
    }
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
    System.out.println("bin/kafka-dev exited with " + first.exitValue() + " on SIGTERM");
    assertThat(Files.readString(firstLog)).contains("Terminating process due to signal SIGTERM");

    Path secondLog = tmp.resolve("second.log");
    Process second = start(command, secondLog, ports[0]);
    try {
      assertThat(Files.readString(secondLog)).doesNotContain("kafka-dev: formatting");
      assertThat(values(bootstrap, "readme")).containsExactly("kept");
    } finally {
      second.destroy();
      if (!second.waitFor(60, TimeUnit.SECONDS)) second.destroyForcibly();
    }
  }

  static Process start(List<String> command, Path log, int port) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    p.getOutputStream().close();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.readString(log).contains("Kafka Server started")) {
      if (!p.isAlive()) throw new AssertionError("bin/kafka-dev exited with " + p.exitValue() + ":\n" + KafkaBroker.tail(log, 60));
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new AssertionError("bin/kafka-dev did not start in 120 s:\n" + KafkaBroker.tail(log, 60));
      }
      Thread.sleep(200);
    }
    assertThat(KafkaBroker.listening("127.0.0.1", port)).isTrue();
    return p;
  }

  static List<String> values(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "readme-check");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (values.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
      }
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
    }
    return values;
  }
}

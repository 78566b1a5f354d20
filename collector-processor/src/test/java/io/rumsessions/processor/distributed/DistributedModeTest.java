package io.rumsessions.processor.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.kafka.broker.KafkaBroker;
import io.rumsessions.processor.testing.ChaosVisits;
import io.rumsessions.processor.testing.ChaosVisits.Batch;
import io.rumsessions.processor.testing.ChaosVisits.Visit;
import io.rumsessions.processor.testing.OtlpCaptureServer;
import io.rumsessions.processor.testing.ProcessorProcess;
import io.rumsessions.processor.testing.Scrape;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed mode against a real KRaft broker (a child JVM) with real processor instances
 * (child JVMs): a recorded workload with exact answers goes into the input topic as the
 * Collector's kafka exporter writes it; one of three instances is killed with SIGKILL half way,
 * a fourth joins later; the metrics summed over the live instances must equal the answers — no
 * session lost, none split, none counted twice — the cluster's unique visitors are counted
 * once, and every session span and forwarded span reaches the OTLP endpoint.
 */
class DistributedModeTest {
  private static final int TIMEOUT_SECONDS = 20;
  /** The test's own Kafka clients log every setting at INFO; held so the level sticks. */
  private static final java.util.logging.Logger KAFKA_LOGS = java.util.logging.Logger.getLogger("org.apache.kafka");

  static {
    KAFKA_LOGS.setLevel(java.util.logging.Level.WARNING);
  }

  private static final int INPUT_PARTITIONS = 3;

  @TempDir
  Path dir;

  private KafkaBroker broker;
  private final List<ProcessorProcess> instances = new ArrayList<>();
  /** What the OTLP endpoint received: span name / span id, and how often. */
  private Map<String, AtomicInteger> exported;
  private OtlpCaptureServer endpoint;

  @BeforeEach
  void start() throws Exception {
    broker = KafkaBroker.start(dir.resolve("kafka"));
    endpoint = OtlpCaptureServer.start(0);
    exported = endpoint.received();
  }

  @AfterEach
  void stop() {
    instances.forEach(ProcessorProcess::close);
    if (broker != null) broker.close();
    if (endpoint != null) endpoint.close();
  }

  private ProcessorProcess instance(String name) throws Exception {
    return instance(name, TIMEOUT_SECONDS);
  }

  private ProcessorProcess instance(String name, int timeoutSeconds) throws Exception {
    return ProcessorProcess.start(dir.resolve(name + ".log"), List.of("-Xmx256m"),
        "--kafka-bootstrap", broker.bootstrap(),
        "--state-dir", dir.resolve(name).toString(),
        "--export-endpoint", "http://127.0.0.1:" + endpoint.port(),
        "--inactivity-timeout", timeoutSeconds + "s",
        "--set", "session.allowed-lateness=0s",
        "--set", "kafka.partitions=6",
        "--set", "kafka.commit-interval=200ms",
        "--set", "kafka.tick-interval=250ms",
        "--set", "kafka.idle-after=2s",
        "--set", "state.checkpoint-interval=3s",
        // A killed member's partitions move after this; the default 45 s would only make the test slow.
        "--set", "kafka.properties.session.timeout.ms=6000",
        "--set", "kafka.properties.heartbeat.interval.ms=1000");
  }

  /** The sum of a metric over the instances still running. */
  private double sum(String name, String... labels) {
    double total = 0;
    for (ProcessorProcess p : instances) {
      if (p.isAlive()) total += Scrape.of(p.metricsPort).sum(name, labels);
    }
    return total;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void threeInstancesOneKilledOneAddedCountEverySessionExactlyOnce() throws Exception {
    long seed = Long.getLong("rum.chaos.seed", System.nanoTime());
    Random random = new Random(seed);
    List<Visit> visits = ChaosVisits.visits(160, random, true);
    List<Batch> batches = ChaosVisits.batches(visits, random);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("otlp_spans", INPUT_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 3; i++) instances.add(instance("instance-" + i));

    // All along, what the live instances show never exceeds the answer: an instance killed after
    // a scrape showed nothing its successor counts again (metrics show committed state only).
    double[] highest = {0, 0};
    java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (watching.get()) {
        try {
          highest[0] = Math.max(highest[0], sum("rum_sessions_started_total"));
          highest[1] = Math.max(highest[1], sum("rum_spans_received_total", "outcome=\"accepted\""));
          Thread.sleep(250);
        } catch (RuntimeException scrapedWhileKilled) {
          // an instance went away between the liveness check and the scrape
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "sum-watcher");
    watcher.setDaemon(true);
    watcher.start();

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < batches.size(); i++) {
        if (i == batches.size() / 2) {
          instances.get(1).kill();
        }
        if (i == batches.size() * 3 / 4) {
          instances.add(instance("instance-3"));
        }
        // No key, spread over the input partitions: as the kafka exporter writes without partition_traces_by_id.
        producer.send(new ProducerRecord<>("otlp_spans", i % INPUT_PARTITIONS, null,
            ChaosVisits.protoRequest(batches.get(i)).toByteArray())).get();
        Thread.sleep(random.nextInt(40));
      }
    }

    int spans = visits.stream().mapToInt(Visit::spans).sum();
    String why = "seed " + seed;
    // Every session ends after the timeout; the counts then settle to the exact answers.
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (System.nanoTime() < deadline) {
      if (sum("rum_sessions_ended_total") == visits.size() && sum("rum_spans_received_total", "outcome=\"accepted\"") == spans) break;
      Thread.sleep(1000);
    }
    Thread.sleep(3000);
    String state = why + "; spans by outcome: " + java.util.stream.Stream.of("accepted", "late", "duplicate", "bot", "session_limit")
        .map(o -> o + " " + (long) sum("rum_spans_received_total", "outcome=\"" + o + "\"")).toList()
        + ", started " + sum("rum_sessions_started_total") + ", ended " + sum("rum_sessions_ended_total")
        + " (expected " + visits.size() + "), started by channel: " + ChaosVisits.CHANNELS.keySet().stream()
            .map(c -> c + " " + sum("rum_sessions_started_total", "channel=\"" + c + "\"") + "/"
                + visits.stream().filter(v -> v.channel().equals(c)).count()).toList()
        + ", partitions per instance: " + instances.stream().map(i -> i.isAlive() ? (long) Scrape.of(i.metricsPort).sum("rum_kafka_partitions") : -1L).toList();
    watching.set(false);
    watcher.join();
    assertThat(highest[0]).as(state + ": the most sessions ever shown").isLessThanOrEqualTo(visits.size());
    assertThat(highest[1]).as(state + ": the most accepted spans ever shown").isLessThanOrEqualTo(spans);
    assertThat(sum("rum_spans_received_total", "outcome=\"accepted\"")).as(state).isEqualTo(spans);
    assertThat(sum("rum_sessions_active")).as(state).isZero();
    ChaosVisits.assertExact(visits, this::sum, state);
    // Every partition is run by exactly one live instance.
    assertThat(sum("rum_kafka_partitions")).as(state).isEqualTo(6);
    assertThat(sum("rum_kafka_streams_running")).as(state + ": every live member running")
        .isEqualTo(instances.stream().filter(ProcessorProcess::isAlive).count());
    assertThat(sum("rum_kafka_input_records_total", "outcome=\"malformed\"")).as(state).isZero();
    // The cluster's visitors, reported once (by the instance running partition 0): each visit has its own user.id.
    for (String service : ChaosVisits.SERVICES) {
      long expected = visits.stream().filter(v -> v.service().equals(service)).count();
      assertThat(sum("rum_visitors", "service_name=\"" + service + "\"", "window=\"1d\"", "population=\"consented\""))
          .as(state + ", visitors of " + service).isEqualTo(expected);
    }
    // Every forwarded span and every session span reached the OTLP endpoint (at least once: a
    // batch the killed instance sent and had not yet committed is sent again by its successor).
    long exportDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < exportDeadline && exported.size() < spans + visits.size()) Thread.sleep(200);
    long sessionSpans = exported.keySet().stream().filter(k -> k.startsWith("session/")).count();
    assertThat(sessionSpans).as(state + ", session spans exported").isEqualTo(visits.size());
    for (Visit v : visits) {
      for (int i = 0; i < v.spans(); i++) {
        var span = v.spanProto(i);
        assertThat(exported).as(state).containsKey(OtlpCaptureServer.key(span));
      }
    }
    assertThat(exported.size()).as(state).isEqualTo(spans + visits.size());
    assertThat(exported.values()).as("sent at most twice (once, and again after the kill)").allSatisfy(n -> assertThat(n.get()).isLessThanOrEqualTo(2));
    // The killed instance's partitions were restored elsewhere from the changelog.
    String logs = Files.readString(dir.resolve("instance-0.log")) + Files.readString(dir.resolve("instance-2.log"))
        + Files.readString(dir.resolve("instance-3.log"));
    assertThat(logs).as(state).contains("restored");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void quietInputPartitionsStillEndSessions() throws Exception {
    // Sessions end on the input partitions' time, which moves only with records: input partitions
    // 1 and 2 never get one and partition 0 stops; read to their end, they tick with the clock.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("otlp_spans", INPUT_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    instances.add(instance("quiet", 3));
    Random random = new Random(7);
    List<Visit> visits = ChaosVisits.visits(12, random, false);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Batch b : ChaosVisits.batches(visits, random)) {
        producer.send(new ProducerRecord<>("otlp_spans", 0, null, ChaosVisits.protoRequest(b).toByteArray())).get();
      }
    }
    long sent = System.nanoTime();
    long deadline = sent + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && sum("rum_sessions_ended_total") < visits.size()) Thread.sleep(200);
    double seconds = (System.nanoTime() - sent) / 1e9;
    assertThat(sum("rum_sessions_ended_total")).as("sessions ended %.1f s after the last span", seconds).isEqualTo(visits.size());
    assertThat(sum("rum_sessions_active")).isZero();
    ChaosVisits.assertExact(visits, this::sum, "quiet partitions");
  }
}

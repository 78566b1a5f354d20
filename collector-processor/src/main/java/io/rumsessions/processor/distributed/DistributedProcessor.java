package io.rumsessions.processor.distributed;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.rumsessions.processor.metrics.MetricsEndpoint;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ExportConfig;
import io.rumsessions.processor.export.DurableExporter;
import io.rumsessions.processor.export.ExportMetrics;
import io.rumsessions.processor.config.KafkaConfig;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.config.StateConfig;
import io.rumsessions.processor.identity.DailySalts;
import io.rumsessions.processor.identity.VisitorIdentity;
import io.rumsessions.processor.input.InputMapping;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.Stores;

/**
 * The distributed mode: this instance is one member of a Kafka Streams application that turns
 * the Collector's span topic into sessions. Two stages: {@link RoutingProcessor} re-keys spans
 * by visitor into {@code <application-id>-spans-by-visitor}; {@link SessionPartitionProcessor}
 * runs the embedded engine per partition of it, its state in a changelogged store. Exactly-once
 * processing; standby replicas; salts and visitor sketches shared through compacted topics;
 * session and forwarded spans exported over OTLP from the topic {@code <application-id>-exports}.
 * Metrics on {@code metrics.port}, per partition ({@link PartitionMetrics}).
 */
public final class DistributedProcessor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DistributedProcessor.class.getName());
  private static final Duration SKETCH_INTERVAL = Duration.ofSeconds(10);
  static final String SKETCHES_SINK = "to-sketches";
  /** A partition's state log held in memory before a checkpoint folds it. */
  static final long PARTITION_LOG_BYTES = 8L << 20;
  static final String EXPORTS_SINK = "to-exports";

  private final ProcessorConfig config;
  private final KafkaConfig kafka;
  private final Map<String, Object> clientConfig;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PartitionMetrics partitions = new PartitionMetrics();
  private final Admin admin;
  private final TopicSaltStore saltStore;
  private final ClusterVisitors visitors;
  private final KafkaStreams streams;
  private final ScheduledExecutorService offsets;
  private final KafkaExportQueue exportQueue;
  private final DurableExporter exporter;
  private final int inputPartitions;
  /** Input partitions the application has read and committed to their end (as of the last look). */
  private final Set<Integer> readToEnd = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Kafka's clients log every setting at INFO: held here so the level set below sticks. */
  private final java.util.logging.Logger kafkaLogs = java.util.logging.Logger.getLogger("org.apache.kafka");
  private HTTPServer metricsServer;

  public DistributedProcessor(ProcessorConfig config) throws IOException {
    if (kafkaLogs.getLevel() == null) kafkaLogs.setLevel(java.util.logging.Level.WARNING);
    this.config = config;
    this.kafka = config.kafka();
    this.clientConfig = new HashMap<>(kafka.properties());
    clientConfig.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    this.admin = Admin.create(clientProperties());
    this.inputPartitions = createTopics();
    JvmMetrics.builder().register(registry);
    registry.register(partitions);
    this.saltStore = new TopicSaltStore(clientOnly(), kafka.saltsTopic());
    DailySalts salts = DailySalts.keptIn(saltStore, new SecureRandom());
    this.visitors = new ClusterVisitors(clientOnly(), kafka.sketchesTopic());
    SiteCalendar calendar = new SiteCalendar(config.session().timeZone());
    if (config.visitors().enabled()) {
      visitors.register(registry, config.visitors(), calendar, () -> partitions.partitions().contains(0));
    }
    KafkaStreams[] running = new KafkaStreams[1];
    DistributedMetrics metrics = new DistributedMetrics(registry, partitions,
        () -> running[0] == null ? "CREATED" : running[0].state().name());
    this.streams = new KafkaStreams(topology(partitionConfig(config), salts, inputPartitions, calendar, metrics), streamsProperties());
    running[0] = streams;
    streams.setUncaughtExceptionHandler(e -> {
      LOG.log(System.Logger.Level.ERROR, "a stream thread failed; replacing it (its partitions restore from the changelog)", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    ExportConfig ex = config.export();
    ExportMetrics exportMetrics = new ExportMetrics(registry);
    if (ex.enabled()) {
      this.exportQueue = new KafkaExportQueue(clientOnly(), kafka.exportsTopic(), kafka.applicationId() + "-exporter");
      exportMetrics.registerQueue(registry, exportQueue, ex.queueMaxBytes());
      this.exporter = new DurableExporter(exportQueue, RumSessionsProcessor.sender(ex), ex, exportMetrics);
    } else {
      this.exportQueue = null;
      this.exporter = null;
    }
    this.offsets = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rum-committed-offsets");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * A partition's engine always logs (its log is what the transactions commit: {@code
   * state.durability} is the embedded mode's choice of when to fsync, and means nothing here),
   * and its log lives in memory until the next checkpoint: bounded per partition at {@link
   * #PARTITION_LOG_BYTES}, or less as {@code state.checkpoint-log-bytes} says.
   */
  private static ProcessorConfig partitionConfig(ProcessorConfig c) {
    StateConfig s = c.state();
    StateConfig partition = new StateConfig(s.dir(), s.snapshotOnShutdown(), s.saltDir(), StateConfig.Durability.FSYNC,
        s.fsyncInterval(), s.checkpointInterval(), Math.min(s.checkpointLogBytes(), PARTITION_LOG_BYTES), s.recentSpans(), Duration.ZERO,
        s.checkpointCpuShare());
    return new ProcessorConfig(c.receiver(), c.session(), c.input(), c.bots(), c.attribution(), c.consent(), c.metrics(),
        c.export(), partition, c.visitors(), c.kafka());
  }

  private Topology topology(ProcessorConfig partitionConfig, DailySalts salts, int inputPartitions, SiteCalendar calendar,
      DistributedMetrics metrics) {
    InputMapping mapping = new InputMapping(config.input(), config.consent());
    // Consent only: the routing stage derives no ids.
    VisitorIdentity consent = new VisitorIdentity(config.consent(), null, null, calendar);
    Topology t = new Topology();
    t.addSource("otlp", new ByteArrayDeserializer(), new ByteArrayDeserializer(), kafka.inputTopic());
    t.addProcessor("route", () -> new RoutingProcessor(new SpanRouting(mapping, consent, kafka.partitions()),
        metrics, kafka.partitions(), inputPartitions, kafka.tickInterval(), kafka.idleAfter(), readToEnd::contains), "otlp");
    t.addSink("to-sessions", kafka.spansTopic(), new IntegerSerializer(), new ByteArraySerializer(),
        (topic, key, value, n) -> Optional.of(Set.of(key)), "route");
    t.addSource("spans", new IntegerDeserializer(), new ByteArrayDeserializer(), kafka.spansTopic());
    t.addProcessor("sessions", () -> new SessionPartitionProcessor(partitionConfig, salts, partitions, SKETCH_INTERVAL), "spans");
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SessionPartitionProcessor.STORE),
            Serdes.Bytes(), Serdes.ByteArray())
        .withCachingDisabled()
        // Log entries are deleted at each checkpoint: compacting often keeps a restore short.
        .withLoggingEnabled(Map.of("segment.ms", "600000", "min.cleanable.dirty.ratio", "0.1")), "sessions");
    t.addSink(SKETCHES_SINK, kafka.sketchesTopic(), new IntegerSerializer(), new ByteArraySerializer(), "sessions");
    t.addSink(EXPORTS_SINK, kafka.exportsTopic(), new IntegerSerializer(), new ByteArraySerializer(),
        (topic, key, value, n) -> Optional.of(Set.of(0)), "sessions");
    return t;
  }

  private Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, kafka.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, kafka.standbyReplicas());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, kafka.commitInterval().toMillis());
    if (kafka.replicationFactor() > 0) p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, kafka.replicationFactor());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.state().dir().resolve("kafka-streams").toString());
    // Checkpoint chunks and visitor sketches are up to 512 KiB, and compress well.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // No global stores here; set only to keep Kafka 4.x from warning about the default it will change.
    p.put("processing.exception.handler.global.enabled", "true");
    p.putAll(kafka.properties());
    return p;
  }

  /** Settings for the plain clients (salts, sketches, admin): the pass-through ones and the brokers. */
  private Map<String, Object> clientOnly() {
    return Map.copyOf(clientConfig);
  }

  private Properties clientProperties() {
    Properties p = new Properties();
    p.putAll(clientConfig);
    return p;
  }

  /** Creates the topics the application shares (if missing) and returns the input topic's partitions. */
  private int createTopics() throws IOException {
    Optional<Short> rf = kafka.replicationFactor() > 0 ? Optional.of((short) kafka.replicationFactor()) : Optional.empty();
    List<NewTopic> topics = List.of(
        new NewTopic(kafka.inputTopic(), Optional.of(kafka.partitions()), rf),
        new NewTopic(kafka.spansTopic(), Optional.of(kafka.partitions()), rf)
            .configs(Map.of("retention.ms", Long.toString(Duration.ofDays(1).toMillis()))),
        new NewTopic(kafka.saltsTopic(), Optional.of(1), rf)
            .configs(Map.of("cleanup.policy", "compact", "segment.ms", "3600000", "delete.retention.ms", "3600000")),
        new NewTopic(kafka.exportsTopic(), Optional.of(1), rf)
            .configs(Map.of("retention.bytes", Long.toString(config.export().queueMaxBytes()),
                "retention.ms", Long.toString(Duration.ofDays(7).toMillis()))),
        new NewTopic(kafka.sketchesTopic(), Optional.of(1), rf)
            .configs(Map.of("cleanup.policy", "compact", "segment.ms", "3600000")));
    for (NewTopic topic : topics) {
      try {
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw new IOException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e);
      } catch (InterruptedException | TimeoutException e) {
        throw new IOException("cannot reach Kafka at " + kafka.bootstrap() + " to create topic " + topic.name(), e);
      }
    }
    try {
      TopicDescription input = admin.describeTopics(List.of(kafka.inputTopic())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(kafka.inputTopic());
      TopicDescription spans = admin.describeTopics(List.of(kafka.spansTopic())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(kafka.spansTopic());
      if (spans.partitions().size() != kafka.partitions()) {
        throw new IOException(kafka.spansTopic() + " has " + spans.partitions().size() + " partitions and kafka.partitions is "
            + kafka.partitions() + ": the number is fixed once the application ran (visitors are placed by it)");
      }
      return input.partitions().size();
    } catch (ExecutionException | InterruptedException | TimeoutException e) {
      throw new IOException("cannot describe the topics at " + kafka.bootstrap(), e);
    }
  }

  public DistributedProcessor start() throws IOException {
    metricsServer = MetricsEndpoint.start(config.metrics(), registry);
    streams.start();
    if (exporter != null) exporter.start();
    long every = kafka.commitInterval().toMillis();
    offsets.scheduleWithFixedDelay(this::readCommittedOffsets, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Makes each partition's metrics visible up to what the group has committed, and notes which
   * input partitions are read to their end (whose routing may then tick with the clock).
   */
  private void readCommittedOffsets() {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(kafka.applicationId())
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      partitions.forEach((p, metrics) -> {
        OffsetAndMetadata o = committed.get(new TopicPartition(kafka.spansTopic(), p));
        if (o != null) metrics.committedUpTo(o.offset());
      });
      Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < inputPartitions; p++) latest.put(new TopicPartition(kafka.inputTopic(), p), org.apache.kafka.clients.admin.OffsetSpec.latest());
      var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
      ends.forEach((tp, end) -> {
        OffsetAndMetadata o = committed.get(tp);
        if (end.offset() == 0 || (o != null && o.offset() >= end.offset())) readToEnd.add(tp.partition());
        else readToEnd.remove(tp.partition());
      });
    } catch (ExecutionException | TimeoutException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot read the committed offsets yet: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public int metricsPort() {
    return metricsServer.getPort();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  @Override
  public void close() {
    offsets.shutdownNow();
    streams.close(Duration.ofSeconds(60));
    if (exporter != null) exporter.close();
    if (exportQueue != null) exportQueue.close();
    visitors.close();
    saltStore.close();
    admin.close(Duration.ofSeconds(5));
    if (metricsServer != null) metricsServer.close();
  }
}

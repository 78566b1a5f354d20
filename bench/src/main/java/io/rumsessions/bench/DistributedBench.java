package io.rumsessions.bench;

import io.rumsessions.kafka.broker.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput of the distributed mode per CPU-second, beside the embedded mode's gRPC on the same
 * workload in the same run (issue #20).
 *
 * <p>Embedded: a processor pinned to {@code --server-cpus}, closed-loop gRPC as {@code rum-bench}
 * measures it (warm-up, then {@code --reps} windows of {@code --duration} s), spans accepted ÷ its
 * CPU seconds. Distributed, per configuration {@code INSTANCESxPARTITIONS} (input topic and session
 * partitions both {@code PARTITIONS}): a real KRaft broker (not pinned, not counted); the same
 * requests (each {@code --record-batch} browser exports, ~200 spans: what a Collector with a batch
 * processor writes) produced as records with no key, round-robin over the input partitions; the
 * instances (pinned to {@code --server-cpus} all together) read {@code --warmup-replays} passes of
 * the pool first; then, per repetition, they are stopped (SIGSTOP) while {@code --replays} new
 * passes are produced, continued, and timed until every span is counted as received (committed:
 * a scrape shows only committed state): spans ÷ the instances' CPU seconds over that drain.
 * Kafka's own work (the broker) is not in the number; the instances' client work (fetch,
 * produce to the repartition, changelog and exports topics, transactions) is.
 */
public final class DistributedBench {
  record Config(int instances, int partitions) {
    String label() {
      return instances + " × " + partitions;
    }
  }

  record Result(String what, List<Double> spansPerCpuSecond, List<Double> wallSpansPerSecond, List<Double> cpuCores,
      List<Double> brokerCpuSecondsPerMillionSpans, List<String> loads, String note) {}

  private static final long DRAIN_LIMIT_MILLIS = 600_000;

  private final BenchOptions o;
  private final List<Config> configs;
  private final int replays;
  private final int warmupReplays;

  DistributedBench(BenchOptions o, List<Config> configs, int replays, int warmupReplays) {
    this.o = o;
    this.configs = configs;
    this.replays = replays;
    this.warmupReplays = warmupReplays;
  }

  static final String USAGE = """
      usage: java -cp bench/target/rum-bench-all.jar io.rumsessions.bench.DistributedBench [options]

        --configs LIST            instances × partitions to measure (default 1x6,1x12,2x6,2x12)
        --replays N               passes of the pool per measured drain (default 8)
        --warmup-replays N        passes read before the first measurement (default 3)
        --record-batch N          browser exports per Kafka record (default 50, as --grpc-batch)
        and of rum-bench's options: --root, --server-cpus, --xmx, --warmup, --duration, --reps,
        --visits, --bots, --consent, --processor-jvm-arg, --no-jvm-options, --out
        (default bench/target/distributed-bench-results.md)
      """;

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>();
    List<Config> configs = new ArrayList<>(List.of(new Config(1, 6), new Config(1, 12), new Config(2, 6), new Config(2, 12)));
    int replays = 8;
    int warmupReplays = 3;
    boolean out = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--configs" -> {
          configs.clear();
          for (String c : args[++i].split(",")) {
            String[] p = c.trim().split("x");
            configs.add(new Config(Integer.parseInt(p[0]), Integer.parseInt(p[1])));
          }
        }
        case "--replays" -> replays = Integer.parseInt(args[++i]);
        case "--warmup-replays" -> warmupReplays = Integer.parseInt(args[++i]);
        case "--record-batch" -> {
          rest.add("--grpc-batch");
          rest.add(args[++i]);
        }
        case "--help", "-h" -> {
          System.err.print(USAGE);
          return;
        }
        default -> {
          if (args[i].equals("--out")) out = true;
          rest.add(args[i]);
        }
      }
    }
    BenchOptions o = BenchOptions.parse(rest.toArray(String[]::new));
    if (!out) o.out = o.root.resolve("bench/target/distributed-bench-results.md");
    String md = new DistributedBench(o, configs, replays, warmupReplays).run();
    System.out.println(md);
    System.exit(0);
  }

  static void log(String fmt, Object... args) {
    System.err.printf("[distributed-bench %s] %s%n", Instant.now().toString().substring(11, 19), String.format(Locale.ROOT, fmt, args));
  }

  String run() throws Exception {
    Path work = Files.createTempDirectory("distributed-bench");
    if (!Files.isRegularFile(o.processorJar)) {
      throw new IllegalStateException("no processor jar at " + o.processorJar
          + ": build it with  mvn -B -q -pl collector-processor,bench -am package -DskipTests");
    }
    StringBuilder head = new StringBuilder();
    head.append("- date: ").append(Instant.now()).append('\n');
    head.append("- cpu: ").append(Tools.cpuModel()).append(", ").append(Tools.firstLine(List.of("nproc", "--all"))).append(" online\n");
    head.append("- jdk: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version")).append('\n');
    head.append("- servers under test: taskset -c ").append(o.serverCpus).append(" (all instances of a configuration together)")
        .append("; broker and harness not pinned to it\n");
    head.append("- load average at start: ").append(Tools.loadAverage()).append('\n');

    BrowserWorkload.Options wo = new BrowserWorkload.Options();
    wo.visits = o.visits;
    wo.botShare = o.botShare;
    wo.consentShare = o.consentShare;
    Payloads payloads = Payloads.build(BrowserWorkload.generate(wo), o.grpcBatch, 1);
    List<Payloads.Payload> pool = payloads.protobuf;
    long poolSpans = pool.stream().mapToLong(Payloads.Payload::spans).sum();
    head.append(String.format(Locale.ROOT, "- workload: %d visits, %d spans a pass, %d requests of %d browser exports (%.0f spans, %.0f KiB on average)%n",
        o.visits, poolSpans, pool.size(), o.grpcBatch, poolSpans / (double) pool.size(),
        pool.stream().mapToInt(p -> p.bytes().length).average().orElse(0) / 1024));
    log("%s", head.toString().strip().replace("\n", "; "));

    List<Result> results = new ArrayList<>();
    results.add(embedded(work, payloads));
    try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"))) {
      head.append("- broker: Apache Kafka 4.4.0, KRaft, one node (kafka-broker/), started in ")
          .append(broker.lastStartTime().toMillis()).append(" ms\n");
      // Generations: the embedded run used 0..; each configuration takes a range of its own.
      int generation = 1 << 20;
      for (Config c : configs) {
        results.add(distributed(work, broker, c, pool, poolSpans, generation));
        generation += (warmupReplays + replays * o.reps + 1);
      }
    }
    head.append("- load average at end: ").append(Tools.loadAverage()).append('\n');
    String md = report(head.toString(), results, poolSpans);
    Files.createDirectories(o.out.toAbsolutePath().getParent());
    Files.writeString(o.out, md);
    log("results written to %s", o.out);
    return md;
  }

  private Result embedded(Path work, Payloads payloads) throws Exception {
    List<Double> perCpu = new ArrayList<>();
    List<Double> wall = new ArrayList<>();
    List<Double> cores = new ArrayList<>();
    List<String> loads = new ArrayList<>();
    try (ServerProcess.Processor p = ServerProcess.Processor.start(o.processorJar, o.serverCpus, o.xmx, o.processorJvmArgs, o.processorArgs, work);
        Sender sender = Sender.create(Protocol.GRPC, "127.0.0.1", p.grpcPort, o.concurrency)) {
      LoadRunner runner = new LoadRunner(sender, payloads.protobuf, new AtomicLong(), 0);
      log("embedded: warm-up %.0f s", o.warmupSeconds);
      runner.closedLoop(o.concurrency, o.warmupSeconds, null, null);
      for (int rep = 1; rep <= o.reps; rep++) {
        String load = Tools.loadAverage();
        double[] cpu = new double[2];
        LoadRunner.Phase sat = runner.closedLoop(o.concurrency, o.durationSeconds, () -> cpu[0] = cpu(p), () -> cpu[1] = cpu(p));
        double seconds = sat.wallNanos() / 1e9;
        perCpu.add(sat.acceptedSpans() / (cpu[1] - cpu[0]));
        wall.add(sat.acceptedSpans() / seconds);
        cores.add((cpu[1] - cpu[0]) / seconds);
        loads.add(load);
        log("embedded rep %d: %.0f spans/CPU-s, %.0f spans/s wall, %.2f cores, %d failed requests; load %s", rep,
            perCpu.get(perCpu.size() - 1), wall.get(wall.size() - 1), cores.get(cores.size() - 1), sat.failedRequests(), load);
      }
    }
    return new Result("embedded, gRPC closed loop (" + o.concurrency + " in flight)", perCpu, wall, cores, List.of(), loads, "");
  }

  private Result distributed(Path work, KafkaBroker broker, Config c, List<Payloads.Payload> pool, long poolSpans, int generation)
      throws Exception {
    String app = "bench-" + c.instances() + "x" + c.partitions();
    String topic = app + "-input";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, c.partitions(), (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    List<Double> perCpu = new ArrayList<>();
    List<Double> wall = new ArrayList<>();
    List<Double> cores = new ArrayList<>();
    List<String> loads = new ArrayList<>();
    List<Double> brokerCpu = new ArrayList<>();
    List<ServerProcess.Processor> instances = new ArrayList<>();
    long brokerPid = brokerPid(broker);
    String note;
    try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
      long[] next = {generation};
      int[] partition = {0};
      // Every record must be written, or the drain waits for spans that never came (a 2-core
      // machine under load once lost 5 of 1,680 sends): a failed send is sent again, and waited for.
      Produce produce = (passes) -> {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (int pass = 0; pass < passes; pass++) {
          int g = (int) next[0]++;
          for (Payloads.Payload p : pool) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition[0]++ % c.partitions(), null, p.forGeneration(g));
            records.add(r);
            sends.add(producer.send(r));
          }
        }
        producer.flush();
        for (int i = 0; i < records.size(); i++) {
          for (int attempt = 1; ; attempt++) {
            try {
              sends.get(i).get();
              break;
            } catch (java.util.concurrent.ExecutionException e) {
              if (attempt == 5) throw new IllegalStateException("cannot produce a record", e);
              log("%s: a send failed (%s), again", c.label(), e.getCause());
              sends.set(i, producer.send(records.get(i)));
            }
          }
        }
      };
      produce.passes(warmupReplays);
      long expected = warmupReplays * poolSpans;
      List<String> args = List.of("--kafka-bootstrap", broker.bootstrap(),
          "--set", "kafka.application-id=" + app,
          "--set", "kafka.input-topic=" + topic,
          "--set", "kafka.partitions=" + c.partitions(),
          // A stopped instance must neither lose its group membership nor its open transaction.
          "--set", "kafka.properties.session.timeout.ms=300000",
          "--set", "kafka.properties.heartbeat.interval.ms=5000",
          "--set", "kafka.properties.transaction.timeout.ms=600000");
      long t0 = System.nanoTime();
      for (int i = 0; i < c.instances(); i++) {
        instances.add(ServerProcess.Processor.startDistributed(o.processorJar, o.serverCpus, o.xmx, o.processorJvmArgs, args, work));
      }
      log("%s: %d instance(s) up; reading the warm-up (%d spans)", c.label(), c.instances(), expected);
      drain(instances, expected, c);
      log("%s: warm-up read %.1f s after start", c.label(), (System.nanoTime() - t0) / 1e9);
      for (int rep = 1; rep <= o.reps; rep++) {
        for (ServerProcess.Processor p : instances) p.pause();
        produce.passes(replays);
        expected += replays * poolSpans;
        String load = Tools.loadAverage();
        double cpu0 = cpu(instances);
        double broker0 = ServerProcess.cpuSecondsOf(brokerPid);
        long w0 = System.nanoTime();
        for (ServerProcess.Processor p : instances) p.resume();
        drain(instances, expected, c);
        double seconds = (System.nanoTime() - w0) / 1e9;
        double cpuSeconds = cpu(instances) - cpu0;
        long spans = replays * poolSpans;
        brokerCpu.add((ServerProcess.cpuSecondsOf(brokerPid) - broker0) / (spans / 1e6));
        perCpu.add(spans / cpuSeconds);
        wall.add(spans / seconds);
        cores.add(cpuSeconds / seconds);
        loads.add(load);
        log("%s rep %d: %d spans in %.1f s, %.1f CPU-s: %.0f spans/CPU-s, %.0f spans/s wall (%.2f cores); broker %.1f CPU-s per million spans; load %s", c.label(), rep,
            spans, seconds, cpuSeconds, perCpu.get(perCpu.size() - 1), wall.get(wall.size() - 1), cores.get(cores.size() - 1),
            brokerCpu.get(brokerCpu.size() - 1), load);
      }
      StringBuilder n = new StringBuilder();
      for (ServerProcess.Processor p : instances) {
        String m = p.scrape();
        n.append(String.format(Locale.ROOT, "%s%.0f partitions, %.0f accepted, %.0f bot, %.0f late, RSS %d MiB",
            n.length() == 0 ? "" : "; ", ServerProcess.sum(m, "rum_kafka_partitions"),
            ServerProcess.sum(m, "rum_spans_received_total", "outcome=\"accepted\""),
            ServerProcess.sum(m, "rum_spans_received_total", "outcome=\"bot\""),
            ServerProcess.sum(m, "rum_spans_received_total", "outcome=\"late\""), p.rssBytes() >> 20));
      }
      note = n.toString();
      log("%s: %s", c.label(), note);
    } finally {
      for (ServerProcess.Processor p : instances) p.close();
    }
    return new Result("distributed, " + c.instances() + " instance(s), " + c.partitions() + " partitions", perCpu, wall, cores,
        brokerCpu, loads, note);
  }

  /** The broker's JVM: the harness's child process running {@code kafka.Kafka} (read from /proc). */
  private static long brokerPid(KafkaBroker broker) {
    return ProcessHandle.current().descendants().mapToLong(ProcessHandle::pid).filter(pid -> {
      try {
        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).contains("kafka.Kafka");
      } catch (IOException e) {
        return false;
      }
    }).findFirst().orElseThrow(() -> new IllegalStateException("no broker process for " + broker.dir()));
  }

  @FunctionalInterface
  private interface Produce {
    void passes(int n) throws Exception;
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Polls the instances' committed counters every 100 ms until {@code expected} spans were received (any outcome). */
  private static void drain(List<ServerProcess.Processor> instances, long expected, Config c) throws Exception {
    long deadline = System.currentTimeMillis() + DRAIN_LIMIT_MILLIS;
    long seen = 0;
    while (System.currentTimeMillis() < deadline) {
      seen = 0;
      for (ServerProcess.Processor p : instances) {
        if (!p.alive()) throw new IllegalStateException(c.label() + ": an instance exited:\n" + p.logTail(40));
        seen += (long) ServerProcess.sum(p.scrape(), "rum_spans_received_total"); // every outcome
      }
      if (seen >= expected) return;
      Thread.sleep(100);
    }
    throw new IllegalStateException(c.label() + ": " + seen + " of " + expected + " spans received in "
        + DRAIN_LIMIT_MILLIS / 1000 + " s:\n" + instances.get(0).logTail(40));
  }

  private static double cpu(ServerProcess p) {
    try {
      return p.cpuSeconds();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double cpu(List<ServerProcess.Processor> ps) {
    double s = 0;
    for (ServerProcess p : ps) s += cpu(p);
    return s;
  }

  private String report(String head, List<Result> results, long poolSpans) {
    StringBuilder b = new StringBuilder("## Distributed mode: spans per CPU-second\n\n").append(head).append('\n');
    b.append(String.format(Locale.ROOT, "Embedded: %.0f s warm-up, %d windows of %.0f s. Distributed: %d passes (%d spans) read first, then %d drains of %d passes (%d spans) each.%n%n",
        o.warmupSeconds, o.reps, o.durationSeconds, warmupReplays, warmupReplays * poolSpans, o.reps, replays, replays * poolSpans));
    b.append("| mode | spans / CPU-s, median [min–max] | ÷ embedded | spans/s wall | CPU cores used | broker CPU-s per million spans | per rep (spans / CPU-s) |\n");
    b.append("|---|---:|---:|---:|---:|---:|---|\n");
    double embedded = median(results.get(0).spansPerCpuSecond());
    for (Result r : results) {
      b.append("| ").append(r.what()).append(" | ").append(stat(r.spansPerCpuSecond()))
          .append(String.format(Locale.ROOT, " | %.2f | %s | %s | %s | %s |%n", median(r.spansPerCpuSecond()) / embedded,
              stat(r.wallSpansPerSecond()), String.format(Locale.ROOT, "%.2f", median(r.cpuCores())),
              r.brokerCpuSecondsPerMillionSpans().isEmpty() ? "–" : String.format(Locale.ROOT, "%.1f", median(r.brokerCpuSecondsPerMillionSpans())),
              String.join(", ", r.spansPerCpuSecond().stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList())));
    }
    b.append('\n');
    for (Result r : results) {
      if (!r.note().isEmpty()) b.append("- ").append(r.what()).append(": ").append(r.note()).append('\n');
    }
    b.append("- load average per rep: ");
    for (Result r : results) b.append(r.what()).append(' ').append(r.loads()).append("; ");
    b.append('\n');
    return b.toString();
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static String stat(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format(Locale.ROOT, "%,.0f [%,.0f–%,.0f]", median(v), a[0], a[a.length - 1]);
  }
}

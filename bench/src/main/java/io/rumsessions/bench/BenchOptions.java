package io.rumsessions.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** The command line of {@code rum-bench run}. */
public final class BenchOptions {
  public Path root = defaultRoot();
  public Path processorJar;
  public Path collector;
  public boolean withCollector = true;
  public Path collectorConfig;
  public String serverCpus = "0";
  public String xmx = "2g";
  public EnumSet<Protocol> protocols = EnumSet.allOf(Protocol.class);
  public double warmupSeconds = 45;
  public double durationSeconds = 10;
  public double leadInSeconds = 2;
  public int reps = 3;
  public int concurrency = 4;
  /**
   * In flight at saturation over HTTP (JSON, the captured replay): many browsers, each with a post
   * or two of its own, not an exporter's few streams. With 4 the processor's group commit covered
   * at most 4 small posts an fsync, a limit browsers do not set (RESULTS "Session 12").
   */
  public int httpConcurrency = 16;

  /** Requests in flight at saturation for {@code p}. */
  public int concurrency(Protocol p) {
    return p == Protocol.GRPC ? concurrency : httpConcurrency;
  }
  public double loadFraction = 0.7;
  public int visits = 2000;
  public double botShare = 0.05;
  public double consentShare = 0.7;
  public int grpcBatch = 50;
  public int httpBatch = 1;
  public int memorySessions = 1_000_000;
  public boolean fitCheck = true;
  /** After the heap phase: SIGKILL the processor with its sessions open and time the restart. */
  public boolean restartCheck = true;
  /** Wait after loading the heap phase's sessions, for a checkpoint in progress to finish. */
  public long settleMillis = 8000;
  public String fitHeap = "1g";
  public double fitMargin = 0.9;
  public Path jfrDir;
  public Path latencyLogDir;
  public List<String> processorArgs = new ArrayList<>();
  public List<String> processorJvmArgs = new ArrayList<>();
  public boolean jvmOptionsFile = true;
  public Path out;
  public Path workDir;
  public String commandLine = "";

  static final String USAGE = """
      usage: rum-bench run [options]

        --root DIR                repository root (default: found from the working directory)
        --processor-jar FILE      default ROOT/collector-processor/target/rum-sessions-collector-processor-all.jar
        --collector FILE          Collector binary (default: what ROOT/e2e/collector/build.sh prints)
        --collector-config FILE   default: the bundled spanmetrics.yaml (bench/collector/spanmetrics.yaml)
        --no-collector            ours only
        --server-cpus LIST        taskset CPU list for each server under test (default 0; "" = no pinning)
        --xmx SIZE                processor heap (-Xmx) and the Collector's GOMEMLIMIT (default 2g)
        --protocols LIST          grpc,json,replay (default all three; replay = the captured OTel web SDK
                                  requests of ROOT/collector-processor/src/test/resources/fixtures/, fresh ids per send)
        --warmup S                closed-loop warm-up per server and protocol (default 45)
        --duration S              each measured window (default 10)
        --lead-in S               fixed-rate requests before the latency window, on its connections, not measured (default 2)
        --reps N                  repetitions; medians are reported (default 3)
        --concurrency N           gRPC requests in flight at saturation (default 4 = the processor's admission
                                  limit on one core)
        --http-concurrency N      HTTP (JSON, replay) requests in flight at saturation: browsers, many
                                  clients (default 16)
        --load F                  fixed rate for the latency phase, as a fraction of saturation (default 0.7)
        --visits N                visits in the pre-built pool (default 2000)
        --bots F                  share of bot visits (default 0.05)
        --consent F               share of visitors with consent (session.id keys the session; default 0.7)
        --grpc-batch N            browser exports per gRPC request (a Collector in front batches; default 50)
        --http-batch N            browser exports per JSON request (default 1: browsers post directly)
        --memory-sessions N       sessions for the heap-per-session measurement (default 1000000; 0 = skip)
        --no-fit-check            skip loading the computed 1 GiB capacity into a -Xmx1g processor
        --no-restart-check        skip the restart after SIGKILL with the heap phase's sessions open
        --fit-heap SIZE           heap for the capacity check (default 1g)
        --fit-margin F            load this fraction of the computed capacity (default 0.9)
        --jfr DIR                 record the processor with JFR (profile settings) into DIR
        --latency-log DIR         write each latency window's requests (due time UTC, latency, how late sent) to DIR
        --processor-arg ARG       extra processor argument (repeatable), e.g. --processor-arg=--set=session.max-active=2000000
        --processor-jvm-arg ARG   extra processor JVM argument (repeatable; after ROOT/collector-processor/jvm.options,
                                  so it overrides the same option there)
        --no-jvm-options          start the processor without ROOT/collector-processor/jvm.options (what
                                  bin/rum-sessions uses), on the JVM's own defaults
        --out FILE                markdown results (default ROOT/bench/target/rum-bench-results.md)
      """;

  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions();
    o.commandLine = "rum-bench " + String.join(" ", args);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        v = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "run" -> { }
        case "--no-collector" -> o.withCollector = false;
        case "--no-fit-check" -> o.fitCheck = false;
        case "--no-restart-check" -> o.restartCheck = false;
        case "--no-jvm-options" -> o.jvmOptionsFile = false;
        case "--help", "-h" -> throw new IllegalArgumentException("");
        default -> {
          if (v == null) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            v = args[++i];
          }
          switch (a) {
            case "--root" -> o.root = Path.of(v).toAbsolutePath().normalize();
            case "--processor-jar" -> o.processorJar = Path.of(v).toAbsolutePath();
            case "--collector" -> o.collector = Path.of(v).toAbsolutePath();
            case "--collector-config" -> o.collectorConfig = Path.of(v).toAbsolutePath();
            case "--server-cpus" -> o.serverCpus = v;
            case "--xmx" -> o.xmx = v;
            case "--protocols" -> {
              o.protocols = EnumSet.noneOf(Protocol.class);
              for (String p : v.split(",")) {
                switch (p.trim()) {
                  case "grpc", "protobuf" -> o.protocols.add(Protocol.GRPC);
                  case "json", "http" -> o.protocols.add(Protocol.HTTP_JSON);
                  case "replay" -> o.protocols.add(Protocol.REPLAY);
                  default -> throw new IllegalArgumentException("unknown protocol " + p);
                }
              }
            }
            case "--warmup" -> o.warmupSeconds = Double.parseDouble(v);
            case "--duration" -> o.durationSeconds = Double.parseDouble(v);
            case "--lead-in" -> o.leadInSeconds = Double.parseDouble(v);
            case "--reps" -> o.reps = Integer.parseInt(v);
            case "--concurrency" -> o.concurrency = Integer.parseInt(v);
            case "--http-concurrency" -> o.httpConcurrency = Integer.parseInt(v);
            case "--load" -> o.loadFraction = Double.parseDouble(v);
            case "--visits" -> o.visits = Integer.parseInt(v);
            case "--bots" -> o.botShare = Double.parseDouble(v);
            case "--consent" -> o.consentShare = Double.parseDouble(v);
            case "--grpc-batch" -> o.grpcBatch = Integer.parseInt(v);
            case "--http-batch" -> o.httpBatch = Integer.parseInt(v);
            case "--memory-sessions" -> o.memorySessions = Integer.parseInt(v);
            case "--fit-heap" -> o.fitHeap = v;
            case "--fit-margin" -> o.fitMargin = Double.parseDouble(v);
            case "--jfr" -> o.jfrDir = Path.of(v).toAbsolutePath();
            case "--latency-log" -> o.latencyLogDir = Path.of(v).toAbsolutePath();
            case "--processor-arg" -> o.processorArgs.add(v);
            case "--processor-jvm-arg" -> o.processorJvmArgs.add(v);
            case "--out" -> o.out = Path.of(v).toAbsolutePath();
            case "--work" -> o.workDir = Path.of(v).toAbsolutePath();
            default -> throw new IllegalArgumentException("unknown option " + a);
          }
        }
      }
    }
    if (o.processorJar == null) o.processorJar = o.root.resolve("collector-processor/target/rum-sessions-collector-processor-all.jar");
    if (o.out == null) o.out = o.root.resolve("bench/target/rum-bench-results.md");
    // What bin/rum-sessions starts the processor with, first, so --processor-jvm-arg overrides it.
    if (o.jvmOptionsFile) o.processorJvmArgs.addAll(0, jvmOptions(o.root.resolve("collector-processor/jvm.options")));
    return o;
  }

  /** The options of a jvm.options file: one a line, {@code #} starts a comment. */
  static List<String> jvmOptions(Path file) {
    try {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        int hash = line.indexOf('#');
        String option = (hash < 0 ? line : line.substring(0, hash)).strip();
        if (!option.isEmpty()) out.add(option);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** The directory holding e2e/collector/build.sh, searched upwards from the working directory. */
  static Path defaultRoot() {
    String prop = System.getProperty("rum.bench.root");
    if (prop != null) return Path.of(prop).toAbsolutePath().normalize();
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("e2e/collector/build.sh")) && Files.exists(p.resolve("collector-processor"))) return p;
    }
    return Path.of("").toAbsolutePath();
  }
}

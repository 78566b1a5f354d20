package io.rumsessions.bench;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code rum-bench run}: the same pre-built browser traffic through the rum-sessions processor
 * and the OpenTelemetry Collector (otlp → spanmetrics → prometheus), each its own process pinned
 * to the same CPUs, measured the same way; then heap per active session. Prints a markdown
 * report and writes it to {@code --out}.
 */
public final class RumBench {
  /** One repetition of one server and protocol. */
  public record Rep(String server, Protocol protocol, int rep, String loadAverage,
      double cpuSeconds, long satSpans, long satSentSpans, double satWallSeconds, long satFailedRequests,
      double targetSpansPerSecond, LoadRunner.Phase latency, long serverReceivedDelta, long serverRefusedDelta,
      double latencyCpuSeconds, double generatorCpuSeconds, long leadInSpans, List<ThreadCpu.Use> latencyThreads) {
    public double spansPerCpuSecond() {
      return satSpans / cpuSeconds;
    }

    public double wallSpansPerSecond() {
      return satSpans / satWallSeconds;
    }

    /** Spans sent at the fixed rate, lead-in included (the server's count covers both). */
    public long fixedRateSpansSent() {
      return leadInSpans + latency.spansSent();
    }

    /** Spans sent at the fixed rate that the server did not take in. */
    public long dropped() {
      return fixedRateSpansSent() - serverReceivedDelta;
    }
  }

  /** Heap per active session and the 1 GiB capacity. */
  public record Memory(long sessions, long baselineLive, long afterLive, double bytesPerSession,
      long fitComputed, long fitLoaded, boolean fitVerified, String fitNote, long evicted) {}

  /** Everything one run measured. */
  /**
   * @param totals per server: {spans the harness sent it in all phases, spans it counted as
   *     received, spans it refused} at the end of the run
   */
  public record Report(List<Rep> reps, Memory memory, Map<String, long[]> totals, String markdown) {}

  /**
   * Restart after SIGKILL with the memory phase's sessions open: until the new process listens
   * (JVM start + recovery), and recovery alone as the processor logs it.
   */
  public record Restart(long sessions, long readyMillis, String recoveryLine) {}

  /** Idle time given to a server just continued before it is loaded (see runOnly). */
  private static final long RESUME_SETTLE_MILLIS = 2000;

  private final BenchOptions o;
  private final Map<String, String> info = new LinkedHashMap<>();

  public RumBench(BenchOptions o) {
    this.o = o;
  }

  public static void main(String[] args) throws Exception {
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) System.err.println("rum-bench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    Report r = new RumBench(o).run();
    System.out.println(r.markdown());
    System.exit(0);
  }

  static void log(String fmt, Object... args) {
    System.err.printf("[rum-bench %s] %s%n", Instant.now().toString().substring(11, 19), String.format(Locale.ROOT, fmt, args));
  }

  public Report run() throws Exception {
    Path work = o.workDir != null ? o.workDir : Files.createTempDirectory("rum-bench");
    Files.createDirectories(work);
    if (!Files.isRegularFile(o.processorJar)) {
      throw new IllegalStateException("no processor jar at " + o.processorJar
          + ": build it with  mvn -B -o -q -pl collector-processor -am package -DskipTests");
    }
    info.put("date", Instant.now().toString());
    info.put("cpu", Tools.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs visible to the harness, "
        + Tools.firstLine(List.of("nproc", "--all")) + " online");
    info.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    info.put("processor JVM options", o.processorJvmArgs.isEmpty() ? "none (the JVM's defaults)" : String.join(" ", o.processorJvmArgs)
        + (o.jvmOptionsFile ? " (collector-processor/jvm.options first)" : ""));
    info.put("pinning", Tools.hasTaskset() && !o.serverCpus.isEmpty()
        ? "server under test: taskset -c " + o.serverCpus + (System.getenv("RUM_BENCH_PINNED") != null ? "; load generator: taskset -c " + System.getenv("RUM_BENCH_PINNED") : "; load generator: not pinned")
        : "none (taskset missing or --server-cpus \"\")");
    info.put("load average at start", Tools.loadAverage());

    Path collectorBin = null;
    Path collectorConfig = null;
    if (o.withCollector) {
      collectorBin = o.collector != null ? o.collector : Tools.buildCollector(o.root);
      collectorConfig = o.collectorConfig != null ? o.collectorConfig : bundledCollectorConfig(work);
      info.put("collector", Tools.firstLine(List.of(collectorBin.toString(), "--version")) + " (" + collectorBin + ")");
      info.put("go", Tools.firstLine(List.of("bash", "-c", "go version 2>/dev/null || /usr/local/go/bin/go version")));
    }

    // ---- pre-built input ----
    BrowserWorkload.Options wo = new BrowserWorkload.Options();
    wo.visits = o.visits;
    wo.botShare = o.botShare;
    wo.consentShare = o.consentShare;
    List<BrowserWorkload.BrowserBatch> batches = BrowserWorkload.generate(wo);
    Payloads payloads = Payloads.build(batches, o.grpcBatch, o.httpBatch);
    if (o.protocols.contains(Protocol.REPLAY)) payloads = payloads.withReplay(ReplayWorkload.load(o.root, wo.nowMillis));
    describeWorkload(batches, payloads);
    log("workload: %s", info.get("workload"));

    List<Rep> reps = new ArrayList<>();
    List<ServerProcess> servers = new ArrayList<>();
    Map<String, Long> sent = new LinkedHashMap<>();
    Map<String, EnumMap<Protocol, AtomicLong>> cursors = new LinkedHashMap<>();
    Map<String, long[]> totals = new LinkedHashMap<>();
    try {
      List<String> jvm = new ArrayList<>(o.processorJvmArgs);
      if (o.jfrDir != null) {
        Files.createDirectories(o.jfrDir);
        jvm.add("-XX:StartFlightRecording=filename=" + o.jfrDir.resolve("processor.jfr") + ",settings=profile,dumponexit=true");
      }
      servers.add(ServerProcess.Processor.start(o.processorJar, o.serverCpus, o.xmx, jvm, o.processorArgs, work));
      if (o.withCollector) servers.add(ServerProcess.Collector.start(collectorBin, collectorConfig, o.serverCpus, o.xmx, work));
      for (ServerProcess s : servers) {
        EnumMap<Protocol, AtomicLong> m = new EnumMap<>(Protocol.class);
        for (Protocol p : Protocol.values()) m.put(p, new AtomicLong());
        cursors.put(s.name, m);
      }

      for (Protocol p : o.protocols) {
        for (ServerProcess s : servers) {
          runOnly(servers, s);
          log("warm-up %s %s, %.0f s", s.name, p.label, o.warmupSeconds);
          try (Sender sender = Sender.create(p, "127.0.0.1", port(s, p), o.concurrency(p))) {
            LoadRunner.Phase w = runner(sender, payloads, p, cursors.get(s.name).get(p)).closedLoop(o.concurrency(p), o.warmupSeconds, null, null);
            sent.merge(s.name, w.spansSent(), Long::sum);
            log("  %d requests, %d failed %s", w.requests(), w.failedRequests(), w.errors());
          }
        }
      }
      for (int rep = 1; rep <= o.reps; rep++) {
        for (Protocol p : o.protocols) {
          for (ServerProcess s : servers) {
            runOnly(servers, s);
            Rep r = measure(s, p, rep, payloads, cursors.get(s.name).get(p));
            reps.add(r);
            sent.merge(s.name, r.fixedRateSpansSent() + r.satSentSpans(), Long::sum);
            log("rep %d %s %s: %.0f spans/CPU-s, %.0f spans/s wall (%.2f cores, generator %.2f); at %.0f spans/s: p50 %.2f ms p99 %.2f ms, sent %d, server got %d, failed %d %s; load %s",
                rep, s.name, p.label, r.spansPerCpuSecond(), r.wallSpansPerSecond(), r.cpuSeconds() / r.satWallSeconds(),
                r.generatorCpuSeconds() / r.satWallSeconds(), r.targetSpansPerSecond(), r.latency().percentile(50) / 1e6, r.latency().percentile(99) / 1e6,
                r.fixedRateSpansSent(), r.serverReceivedDelta(), r.latency().failedRequests(), r.latency().errors(), r.loadAverage());
          }
        }
      }
      for (ServerProcess s : servers) s.resume();
      for (ServerProcess s : servers) {
        totals.put(s.name, new long[] {sent.getOrDefault(s.name, 0L), s.receivedSpans(), s.refusedSpans()});
        log("%s: %d spans sent in all, %d counted by the server, %d refused", s.name, totals.get(s.name)[0],
            totals.get(s.name)[1], totals.get(s.name)[2]);
      }
    } finally {
      for (ServerProcess s : servers) s.close();
    }

    Memory memory = o.memorySessions > 0 ? measureMemory(work) : null;
    info.put("load average at end", Tools.loadAverage());
    String md = Markdown.report(o, info, reps, memory, restart, totals);
    Files.createDirectories(o.out.toAbsolutePath().getParent());
    Files.writeString(o.out, md);
    log("results written to %s", o.out);
    return new Report(reps, memory, totals, md);
  }

  /**
   * Lets only the server about to be measured run; the others are stopped (SIGSTOP) until their
   * turn, so that none of their background work lands in its windows (see ServerProcess.pause).
   */
  private static void runOnly(List<ServerProcess> servers, ServerProcess measured) throws IOException, InterruptedException {
    for (ServerProcess s : servers) {
      if (s != measured) s.pause();
    }
    if (servers.size() > 1) {
      measured.resume();
      // What its timers owe after the stop (a flush, a collection) runs now, outside its windows.
      Thread.sleep(RESUME_SETTLE_MILLIS);
    }
  }

  private static int port(ServerProcess s, Protocol p) {
    return p == Protocol.GRPC ? s.grpcPort : s.httpPort;
  }

  private static LoadRunner runner(Sender sender, Payloads payloads, Protocol p, AtomicLong cursor) {
    // Separate generation ranges per protocol: the two pools are the same visits.
    return new LoadRunner(sender, payloads.of(p), cursor, p.ordinal() << 24);
  }

  private Rep measure(ServerProcess s, Protocol p, int rep, Payloads payloads, AtomicLong cursor) throws Exception {
    String load = Tools.loadAverage();
    double[] cpu = new double[4];
    LoadRunner.Phase sat;
    try (Sender sender = Sender.create(p, "127.0.0.1", port(s, p), o.concurrency(p))) {
      LoadRunner runner = runner(sender, payloads, p, cursor);
      sat = runner.closedLoop(o.concurrency(p), o.durationSeconds, () -> {
        cpu[0] = cpuOf(s);
        cpu[2] = selfCpu();
      }, () -> {
        cpu[1] = cpuOf(s);
        cpu[3] = selfCpu();
      });
    }
    double satWall = sat.wallNanos() / 1e9;
    double rate = o.loadFraction * sat.acceptedSpans() / satWall;
    double spansPerRequest = payloads.of(p).stream().mapToInt(Payloads.Payload::spans).average().orElse(1);
    long receivedBefore = s.receivedSpans();
    long refusedBefore = s.refusedSpans();
    double[] latCpu = new double[2];
    ThreadCpu.Snapshot[] threads = new ThreadCpu.Snapshot[2];
    LoadRunner.Phase lat;
    long leadIn;
    try (Sender sender = Sender.create(p, "127.0.0.1", port(s, p), o.concurrency(p))) {
      LoadRunner runner = runner(sender, payloads, p, cursor);
      // The switch from saturation to the fixed rate is the harness's, not a client's: new
      // connections, and on a JVM the compilations queued while the core was saturated, which
      // run as soon as it is not (hundreds in the first 200 ms). Not measured.
      leadIn = o.leadInSeconds > 0 ? runner.openLoop(rate / spansPerRequest, o.leadInSeconds, null, null).spansSent() : 0;
      Path requestLog = o.latencyLogDir == null ? null
          : o.latencyLogDir.resolve(s.name + "-" + p.name().toLowerCase(Locale.ROOT) + "-rep" + rep + ".tsv");
      lat = runner.openLoop(rate / spansPerRequest, o.durationSeconds,
          () -> {
            latCpu[0] = cpuOf(s);
            threads[0] = threadsOf(s);
          }, () -> {
            latCpu[1] = cpuOf(s);
            threads[1] = threadsOf(s);
          }, requestLog);
    }
    long receivedDelta = s.receivedSpans() - receivedBefore;
    long refusedDelta = s.refusedSpans() - refusedBefore;
    return new Rep(s.name, p, rep, load, cpu[1] - cpu[0], sat.acceptedSpans(), sat.spansSent(), satWall, sat.failedRequests(),
        rate, lat, receivedDelta, refusedDelta, latCpu[1] - latCpu[0], cpu[3] - cpu[2], leadIn,
        ThreadCpu.between(threads[0], threads[1]));
  }

  private static double selfCpu() {
    try {
      return ServerProcess.cpuSecondsOf(ProcessHandle.current().pid());
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  private static ThreadCpu.Snapshot threadsOf(ServerProcess s) {
    try {
      return ThreadCpu.of(s.pid());
    } catch (IOException e) {
      throw new IllegalStateException(s.name + ": cannot read /proc/" + s.pid() + "/task", e);
    }
  }

  private static double cpuOf(ServerProcess s) {
    try {
      return s.cpuSeconds();
    } catch (IOException e) {
      throw new IllegalStateException(s.name + ": cannot read /proc/" + s.pid() + "/stat", e);
    }
  }

  // ---- heap per active session ----

  private Restart restart;

  private Memory measureMemory(Path work) throws Exception {
    int n = o.memorySessions;
    BrowserWorkload.Options wo = new BrowserWorkload.Options();
    wo.visits = Math.min(10_000, Math.max(100, n / 20));
    wo.botShare = 0;
    wo.consentShare = o.consentShare;
    wo.sessionSpansOnly = true;
    wo.seed = 7;
    List<BrowserWorkload.BrowserBatch> batches = BrowserWorkload.generate(wo);
    Payloads payloads = Payloads.build(batches, 100, 1);
    // The heap needed for n sessions plus their ended markers, with room: 1 KiB a session.
    String heap = Math.max(1024, (n >> 10) * 2 + 512) + "m";
    log("memory: %d sessions, processor -Xmx%s", n, heap);
    List<String> args = new ArrayList<>(List.of("--max-active-sessions", Integer.toString(n * 2 + 100_000)));
    args.addAll(o.processorArgs);
    Memory m;
    try (ServerProcess.Processor p = ServerProcess.Processor.start(o.processorJar, o.serverCpus, heap, o.processorJvmArgs, args, work);
        Sender sender = Sender.create(Protocol.GRPC, "127.0.0.1", p.grpcPort, o.concurrency)) {
      AtomicLong cursor = new AtomicLong();
      LoadRunner runner = new LoadRunner(sender, payloads.protobuf, cursor, 0);
      // One pass first: classes, caches and label sets are then part of the baseline.
      loadRequests(runner, payloads.protobuf.size());
      long baseSessions = p.activeSessions();
      long base = Tools.liveHeapBytes(p.pid());
      long sessions = loadSessions(p, runner, baseSessions + n);
      // A checkpoint started by the load (state.checkpoint-log-bytes) holds a copy of the sessions
      // as objects until it is written: let it finish, or the copy counts as live heap.
      Thread.sleep(o.settleMillis);
      long after = Tools.liveHeapBytes(p.pid());
      long added = sessions - baseSessions;
      double perSession = (after - base) / (double) added;
      long evicted = p.evictedSessions();
      long heapBytes = parseBytes(o.fitHeap);
      long fit = (long) ((heapBytes - base) / perSession);
      log("memory: baseline %d MiB live with %d sessions; +%d sessions → %d MiB: %.0f bytes/session; %s fits %d sessions (computed)",
          base >> 20, baseSessions, added, after >> 20, perSession, o.fitHeap, fit);
      m = new Memory(added, base, after, perSession, fit, 0, false, "not checked", evicted);
      if (o.restartCheck) {
        long t0 = System.nanoTime();
        try (ServerProcess.Processor q = p.crashAndRestart(o.processorJar, o.serverCpus, heap, o.processorJvmArgs, work)) {
          long ready = (System.nanoTime() - t0) / 1_000_000;
          long active = q.activeSessions();
          String line = q.logTail(50).lines().filter(l -> l.contains("recovered")).findFirst().orElse("(no recovery line)");
          restart = new Restart(active, ready, line.trim());
          log("restart after SIGKILL: %d sessions active again, listening %d ms after exec; %s", active, ready, line.trim());
        }
      }
    }
    if (o.fitCheck) m = checkFit(work, m, payloads);
    return m;
  }

  private Memory checkFit(Path work, Memory m, Payloads payloads) throws Exception {
    long target = (long) (m.fitComputed() * o.fitMargin);
    log("capacity check: %d sessions (%.0f %% of the computed %d) into a -Xmx%s processor", target, o.fitMargin * 100, m.fitComputed(), o.fitHeap);
    // The cap is enforced per shard (32 of them): leave 5 % for their uneven filling, or the
    // fullest shards start evicting before the total reaches the target.
    List<String> args = new ArrayList<>(List.of("--max-active-sessions", Long.toString(target + target / 20 + 64)));
    args.addAll(o.processorArgs);
    try (ServerProcess.Processor p = ServerProcess.Processor.start(o.processorJar, o.serverCpus, o.fitHeap,
            concat(o.processorJvmArgs, "-XX:+ExitOnOutOfMemoryError"), args, work);
        Sender sender = Sender.create(Protocol.GRPC, "127.0.0.1", p.grpcPort, o.concurrency)) {
      LoadRunner runner = new LoadRunner(sender, payloads.protobuf, new AtomicLong(), 1 << 20);
      String note;
      boolean ok;
      long loaded = 0;
      try {
        loaded = loadSessions(p, runner, target);
        long evicted = p.evictedSessions();
        ok = p.alive() && evicted == 0 && loaded >= target && p.refusedSpans() == 0;
        note = String.format(Locale.ROOT, "%d active, %d evicted, live heap after full GC %d MiB of %s", loaded, evicted,
            Tools.liveHeapBytes(p.pid()) >> 20, o.fitHeap);
      } catch (Exception e) {
        ok = false;
        note = e.getMessage() + (p.alive() ? "" : " (process died: " + p.logTail(5).replace('\n', ' ') + ")");
      }
      log("capacity check: %s — %s", ok ? "ok" : "FAILED", note);
      return new Memory(m.sessions(), m.baselineLive(), m.afterLive(), m.bytesPerSession(), m.fitComputed(), loaded, ok, note, m.evicted());
    }
  }

  private static List<String> concat(List<String> a, String b) {
    List<String> l = new ArrayList<>(a);
    l.add(b);
    return l;
  }

  private void loadRequests(LoadRunner runner, int requests) throws Exception {
    LoadRunner.Phase ph = runner.closedLoopCount(o.concurrency, requests);
    if (ph.failedRequests() > 0) throw new IllegalStateException("requests failed: " + ph.errors());
  }

  /** Sends pool passes (new sessions each) until the processor holds {@code target} active sessions. */
  private long loadSessions(ServerProcess.Processor p, LoadRunner runner, long target) throws Exception {
    long active = p.activeSessions();
    long lastLog = System.nanoTime();
    long progressMark = active;
    long progressSince = System.nanoTime();
    while (active < target) {
      // A heap nearly full of sessions makes the JVM collect all the time: stop when fewer than
      // 0.5 % of the target arrived in 30 s rather than wait for ever.
      if (System.nanoTime() - progressSince > 30e9) {
        if (active - progressMark < target / 200) {
          throw new IllegalStateException(String.format(Locale.ROOT,
              "stalled at %d sessions (%.0f %% of the target): the heap is too full to keep up", active, 100.0 * active / target));
        }
        progressMark = active;
        progressSince = System.nanoTime();
      }
      long missing = target - active;
      double seconds = Math.max(0.5, Math.min(10, missing / 20_000.0));
      LoadRunner.Phase ph = runner.closedLoop(o.concurrency, seconds, null, null);
      if (ph.failedRequests() > 0) throw new IllegalStateException("requests failed while loading sessions: " + ph.errors());
      if (!p.alive()) throw new IllegalStateException("processor died");
      active = p.activeSessions();
      if (System.nanoTime() - lastLog > 10e9) {
        log("  %d of %d sessions active", active, target);
        lastLog = System.nanoTime();
      }
    }
    return active;
  }

  static long parseBytes(String s) {
    s = s.trim().toLowerCase(Locale.ROOT);
    long mul = switch (s.charAt(s.length() - 1)) {
      case 'g' -> 1L << 30;
      case 'm' -> 1L << 20;
      case 'k' -> 1L << 10;
      default -> 1;
    };
    return Long.parseLong(Character.isDigit(s.charAt(s.length() - 1)) ? s : s.substring(0, s.length() - 1)) * mul;
  }

  private static Path bundledCollectorConfig(Path work) throws IOException {
    Path f = work.resolve("collector-spanmetrics.yaml");
    try (InputStream in = RumBench.class.getResourceAsStream("/spanmetrics.yaml")) {
      if (in == null) throw new IOException("spanmetrics.yaml missing from the classpath");
      Files.write(f, in.readAllBytes());
    }
    return f;
  }

  private void describeWorkload(List<BrowserWorkload.BrowserBatch> batches, Payloads payloads) {
    long spans = 0;
    long attrs = 0;
    int min = Integer.MAX_VALUE;
    int max = 0;
    Map<String, Integer> names = new LinkedHashMap<>();
    for (BrowserWorkload.BrowserBatch b : batches) {
      ResourceSpans rs = b.resourceSpans();
      int res = rs.getResource().getAttributesCount();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          int a = res + s.getAttributesCount();
          spans++;
          attrs += a;
          min = Math.min(min, a);
          max = Math.max(max, a);
          names.merge(s.getName().startsWith("HTTP") ? "fetch" : s.getName(), 1, Integer::sum);
        }
      }
    }
    long grpcBytes = payloads.protobuf.stream().mapToLong(x -> x.bytes().length).sum();
    long jsonBytes = payloads.json.stream().mapToLong(x -> x.bytes().length).sum();
    info.put("workload", String.format(Locale.ROOT,
        "%d visits (%.0f %% bots, %.0f %% with consent), %d spans per pass %s; %.1f attributes a span (span + resource, %d–%d); "
            + "gRPC: %d requests of %.0f spans, %.0f protobuf bytes a span; JSON: %d requests of %.1f spans, %.0f JSON bytes a span",
        o.visits, o.botShare * 100, o.consentShare * 100, spans, names, attrs / (double) spans, min, max,
        payloads.protobuf.size(), spans / (double) payloads.protobuf.size(), grpcBytes / (double) spans,
        payloads.json.size(), spans / (double) payloads.json.size(), jsonBytes / (double) spans)
        + (payloads.replay.isEmpty() ? "" : String.format(Locale.ROOT,
            "; captured SDK replay: %d requests, %.2f spans and %.0f bytes (head + body) a request, fresh ids per send",
            payloads.replay.size(), payloads.replay.stream().mapToInt(Payloads.Payload::spans).average().orElse(0),
            payloads.replay.stream().mapToInt(x -> x.bytes().length).average().orElse(0))));
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}

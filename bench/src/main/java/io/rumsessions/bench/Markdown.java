package io.rumsessions.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The results as markdown, ready for RESULTS.md. */
final class Markdown {
  private Markdown() {}

  static String report(BenchOptions o, Map<String, String> info, List<RumBench.Rep> reps, RumBench.Memory memory,
      RumBench.Restart restart, Map<String, long[]> totals) {
    StringBuilder b = new StringBuilder();
    b.append("## rum-bench results\n\n");
    b.append("Command: `").append(o.commandLine).append("`\n\n");
    info.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append(String.format(Locale.ROOT, "- settings: processor -Xmx%s (Collector GOMEMLIMIT the same), %d gRPC and %d HTTP requests in flight at saturation, "
        + "latency at %.0f %% of each server's own saturation rate (after a %.0f s lead-in at that rate, not measured), %.0f s warm-up, "
        + "%.0f s windows, %d repetitions (median, [min–max])%n",
        o.xmx, o.concurrency, o.httpConcurrency, o.loadFraction * 100, o.leadInSeconds, o.warmupSeconds, o.durationSeconds, o.reps));
    b.append("\n### Throughput and latency\n\n");
    b.append("| server | protocol | spans / CPU-second | spans/s wall | CPU cores used (generator) | p50 @").append(pct(o)).append(" | p99 @").append(pct(o))
        .append(" | p99.9 | max | dropped @").append(pct(o)).append(" (sent − server's count) | failed requests |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<String[]> groups = new ArrayList<>();
    for (RumBench.Rep r : reps) {
      String[] g = {r.server(), r.protocol().name()};
      if (groups.stream().noneMatch(x -> x[0].equals(g[0]) && x[1].equals(g[1]))) groups.add(g);
    }
    for (String[] g : groups) {
      List<RumBench.Rep> rs = reps.stream().filter(r -> r.server().equals(g[0]) && r.protocol().name().equals(g[1])).toList();
      b.append("| ").append(g[0]).append(" | ").append(Protocol.valueOf(g[1]).label)
          .append(" | ").append(stat(rs, RumBench.Rep::spansPerCpuSecond, "%,.0f"))
          .append(" | ").append(stat(rs, RumBench.Rep::wallSpansPerSecond, "%,.0f"))
          .append(" | ").append(stat(rs, r -> r.cpuSeconds() / r.satWallSeconds(), "%.2f"))
          .append(" (").append(String.format(Locale.ROOT, "%.2f", median(rs, r -> r.generatorCpuSeconds() / r.satWallSeconds()))).append(")")
          .append(" | ").append(stat(rs, r -> r.latency().percentile(50) / 1e6, "%.2f ms"))
          .append(" | ").append(stat(rs, r -> r.latency().percentile(99) / 1e6, "%.2f ms"))
          .append(" | ").append(stat(rs, r -> r.latency().percentile(99.9) / 1e6, "%.2f ms"))
          .append(" | ").append(stat(rs, r -> r.latency().percentile(100) / 1e6, "%.1f ms"))
          .append(" | ").append(rs.stream().mapToLong(RumBench.Rep::dropped).sum()).append(" of ")
          .append(String.format(Locale.ROOT, "%,d", rs.stream().mapToLong(RumBench.Rep::fixedRateSpansSent).sum()))
          .append(" | ").append(rs.stream().mapToLong(r -> r.latency().failedRequests() + r.satFailedRequests()).sum())
          .append(" |\n");
    }
    b.append("\nspans / CPU-second = spans accepted in the saturation window ÷ the server process's utime+stime over it "
        + "(/proc/PID/stat); latency = per export call, from its intended send time (open loop).\n");

    totals.forEach((server, t) -> b.append(String.format(Locale.ROOT,
        "%n%s over the whole run (warm-up included): %,d spans sent, %,d counted received by the server, %,d refused — %s.%n",
        server, t[0], t[1], t[2], t[0] == t[1] && t[2] == 0 ? "every span accepted" : "**MISMATCH**")));
    b.append("\n### Ours ÷ the Collector (spans per CPU-second, same input, same CPUs)\n\n");
    b.append("| protocol | rum-sessions | Collector | ratio (median of per-repetition ratios) |\n|---|---:|---:|---:|\n");
    for (Protocol p : Protocol.values()) {
      List<RumBench.Rep> ours = of(reps, "rum-sessions", p);
      List<RumBench.Rep> theirs = of(reps, "otelcol", p);
      if (ours.isEmpty() || theirs.isEmpty()) continue;
      double ratio = ratio(reps, p);
      b.append("| ").append(p.label).append(" | ").append(stat(ours, RumBench.Rep::spansPerCpuSecond, "%,.0f"))
          .append(" | ").append(stat(theirs, RumBench.Rep::spansPerCpuSecond, "%,.0f"))
          .append(" | ").append(String.format(Locale.ROOT, "%.2f ×", ratio)).append(" |\n");
    }

    if (memory != null) {
      b.append("\n### Heap per active session\n\n");
      b.append("| sessions added | live heap before | after | bytes per session | ").append(o.fitHeap).append(" heap fits (computed) | capacity check |\n");
      b.append("|---:|---:|---:|---:|---:|---|\n");
      b.append(String.format(Locale.ROOT, "| %,d | %,d MiB | %,d MiB | %.0f | %,d | %s |%n", memory.sessions(), memory.baselineLive() >> 20,
          memory.afterLive() >> 20, memory.bytesPerSession(), memory.fitComputed(),
          (memory.fitVerified() ? "ok: " : memory.fitNote().equals("not checked") ? "" : "FAILED: ") + memory.fitNote()));
      b.append("\nLive heap = `jcmd PID GC.class_histogram` total after its full GC; bytes per session = difference ÷ sessions added "
          + "(`rum_sessions_active`). Computed capacity = (heap − baseline) ÷ bytes per session; the check loads "
          + String.format(Locale.ROOT, "%.0f %%", o.fitMargin * 100) + " of it into a -Xmx" + o.fitHeap + " processor and requires no eviction, "
          + "no refused span and a live process.\n");
    }

    if (restart != null) {
      b.append("\n### Restart after SIGKILL\n\n");
      b.append(String.format(Locale.ROOT, "With the heap phase's sessions open, the processor was killed (SIGKILL) and started again on its "
          + "state directory: %,d sessions active again; listening %,d ms after exec (JVM start + recovery). The processor's own line: `%s`%n",
          restart.sessions(), restart.readyMillis(), restart.recoveryLine()));
    }

    b.append("\n### Targets\n\n| target | measured | met |\n|---|---|---|\n");
    target(b, "≥ 100,000 protobuf spans/s per core", median(of(reps, "rum-sessions", Protocol.GRPC), RumBench.Rep::spansPerCpuSecond), v -> v >= 100_000, "%,.0f");
    target(b, "≥ 25,000 JSON spans/s per core", median(of(reps, "rum-sessions", Protocol.HTTP_JSON), RumBench.Rep::spansPerCpuSecond), v -> v >= 25_000, "%,.0f");
    for (Protocol p : Protocol.values()) {
      double wanted = collectorRatioTarget(p);
      target(b, String.format(Locale.ROOT, "≥ %.0f × the Collector, ", wanted) + p.label, ratio(reps, p), v -> v >= wanted, "%.2f ×");
    }
    if (memory != null) target(b, "≤ 512 bytes heap per active session", memory.bytesPerSession(), v -> v <= 512, "%.0f");
    if (restart != null) target(b, "restart with " + String.format(Locale.ROOT, "%,d", restart.sessions()) + " active sessions ≤ 2 s",
        restart.readyMillis() / 1000.0, v -> v <= 2, "%.2f s");
    for (Protocol p : Protocol.values()) {
      target(b, "p99 export call ≤ 5 ms at " + pct(o) + ", " + p.label,
          median(of(reps, "rum-sessions", p), r -> r.latency().percentile(99) / 1e6), v -> v <= 5, "%.2f ms");
    }
    List<RumBench.Rep> ours = reps.stream().filter(r -> r.server().equals("rum-sessions")).toList();
    if (!ours.isEmpty()) {
      long dropped = ours.stream().mapToLong(r -> Math.abs(r.dropped()) + r.latency().failedRequests() + r.latency().rejectedSpans()
          + r.serverRefusedDelta()).sum();
      b.append("| nothing dropped below saturation | ").append(dropped).append(" spans/requests lost, failed or refused at ").append(pct(o))
          .append(" | ").append(dropped == 0 ? "yes" : "**no**").append(" |\n");
    }

    b.append("\n### Every repetition\n\n| rep | server | protocol | load avg | CPU s | spans | wall s | spans/CPU-s | rate @").append(pct(o))
        .append(" | server CPU then | sent | server counted | p50 ms | p99 ms | max ms |\n|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RumBench.Rep r : reps) {
      b.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %.2f | %,d | %.2f | %,.0f | %,.0f | %.2f | %,d | %,d | %.2f | %.2f | %.1f |%n",
          r.rep(), r.server(), r.protocol().label, r.loadAverage(), r.cpuSeconds(), r.satSpans(), r.satWallSeconds(),
          r.spansPerCpuSecond(), r.targetSpansPerSecond(), r.latencyCpuSeconds() / (r.latency().wallNanos() / 1e9),
          r.fixedRateSpansSent(), r.serverReceivedDelta(),
          r.latency().percentile(50) / 1e6, r.latency().percentile(99) / 1e6, r.latency().percentile(100) / 1e6));
    }
    b.append("\nserver CPU then = the server's CPU seconds per second in the fixed-rate window: about the load "
        + "fraction when the saturation window's rate holds; near 1.00 the fixed rate was over what the server "
        + "could do then (a colder or noisier saturation window), and its latencies are an overload's.\n");

    b.append("\n### Where the server's CPU went in each fixed-rate window\n\n"
        + "Milliseconds on the CPU per thread group (the thread's name without its number; the Collector's "
        + "threads all carry its name). On one core, whatever is not the requests' own work delays them "
        + "while it runs: the JIT (`C1/C2 CompilerThre`), the collector (`VM Thread`, `GC Thread`), a "
        + "checkpoint (`rum-state`).\n\n| rep | server | protocol | p99 ms | CPU ms by thread group |\n|---:|---|---|---:|---|\n");
    for (RumBench.Rep r : reps) {
      b.append(String.format(Locale.ROOT, "| %d | %s | %s | %.2f | %s |%n", r.rep(), r.server(), r.protocol().label,
          r.latency().percentile(99) / 1e6, ThreadCpu.describe(r.latencyThreads(), 8)));
    }
    return b.toString();
  }

  /** Median over repetitions of (ours ÷ the Collector's) spans per CPU-second; NaN if either is missing. */
  static double ratio(List<RumBench.Rep> reps, Protocol p) {
    List<RumBench.Rep> ours = of(reps, "rum-sessions", p);
    List<RumBench.Rep> theirs = of(reps, "otelcol", p);
    double[] ratios = new double[Math.min(ours.size(), theirs.size())];
    for (int i = 0; i < ratios.length; i++) ratios[i] = ours.get(i).spansPerCpuSecond() / theirs.get(i).spansPerCpuSecond();
    return RumBench.median(ratios);
  }

  /** Spans per CPU-second against the Collector's, as issue #22 asks: 4 × on the captured SDK replay, 3 × otherwise. */
  static double collectorRatioTarget(Protocol p) {
    return p == Protocol.REPLAY ? 4.0 : 3.0;
  }

  private static String pct(BenchOptions o) {
    return String.format(Locale.ROOT, "%.0f %%", o.loadFraction * 100);
  }

  private static List<RumBench.Rep> of(List<RumBench.Rep> reps, String server, Protocol p) {
    return reps.stream().filter(r -> r.server().equals(server) && r.protocol() == p).toList();
  }

  private static double median(List<RumBench.Rep> rs, ToDoubleFunction<RumBench.Rep> f) {
    return RumBench.median(rs.stream().mapToDouble(f).toArray());
  }

  private static String stat(List<RumBench.Rep> rs, ToDoubleFunction<RumBench.Rep> f, String fmt) {
    double[] v = rs.stream().mapToDouble(f).toArray();
    if (v.length == 0) return "–";
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    String m = String.format(Locale.ROOT, fmt, RumBench.median(v));
    return v.length == 1 ? m : m + " [" + String.format(Locale.ROOT, fmt, min) + "–" + String.format(Locale.ROOT, fmt, max) + "]";
  }

  private interface Check {
    boolean ok(double v);
  }

  private static void target(StringBuilder b, String what, double v, Check check, String fmt) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      b.append("| ").append(what).append(" | not measured | – |\n");
      return;
    }
    b.append("| ").append(what).append(" | ").append(String.format(Locale.ROOT, fmt, v)).append(" | ")
        .append(check.ok(v) ? "yes" : "**no**").append(" |\n");
  }
}

package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end, briefly: a real processor process and the real Collector (built or
 * reused by e2e/collector/build.sh; a failed build fails this test), gRPC, JSON and the captured
 * SDK replay, the heap
 * measurement on a few thousand sessions. Asserts that the harness measured something sane —
 * never how fast anything was.
 */
class BenchSmokeTest {
  @TempDir
  Path tmp;

  @Test
  void theHarnessMeasuresBothServersAndEverySpanSentIsAccepted() throws Exception {
    Path out = tmp.resolve("results.md");
    BenchOptions o = BenchOptions.parse(new String[] {
        "run", "--warmup", "1", "--duration", "1.5", "--lead-in", "0.5", "--reps", "1", "--concurrency", "2", "--visits", "60",
        "--memory-sessions", "3000", "--no-fit-check", "--xmx", "256m", "--work", tmp.toString(), "--out", out.toString(),
        "--latency-log", tmp.resolve("requests").toString()});

    // The processor under test runs with what bin/rum-sessions gives it.
    List<String> shipped = BenchOptions.jvmOptions(o.root.resolve("collector-processor/jvm.options"));
    assertThat(shipped).isNotEmpty();
    assertThat(o.processorJvmArgs).startsWith(shipped.toArray(String[]::new));

    RumBench.Report report = new RumBench(o).run();

    assertThat(report.reps()).hasSize(6);
    assertThat(report.reps()).extracting(RumBench.Rep::server).containsOnly("rum-sessions", "otelcol");
    for (RumBench.Rep r : report.reps()) {
      String what = r.server() + " " + r.protocol();
      // Where the server's CPU went in the fixed-rate window: its threads were read at both ends.
      assertThat(r.latencyThreads()).as(what).isNotEmpty();
      assertThat(r.cpuSeconds()).as("CPU seconds at saturation, " + what).isPositive();
      assertThat(r.satSpans()).as("spans at saturation, " + what).isPositive();
      assertThat(r.satFailedRequests()).as("failed requests at saturation, " + what).isZero();
      LoadRunner.Phase lat = r.latency();
      assertThat(lat.requests()).as("requests at the fixed rate, " + what).isPositive();
      assertThat(lat.failedRequests()).as("failed requests, " + what + ": " + lat.errors()).isZero();
      assertThat(lat.rejectedSpans()).as("partially rejected spans, " + what).isZero();
      // The lead-in (0.5 s) runs at the fixed rate: it must send once two requests fall due in it
      // (on a loaded machine the measured saturation, and so the rate, can be too low for one).
      double spansPerRequest = (double) lat.spansSent() / lat.requests();
      if (r.targetSpansPerSecond() * 0.5 >= 2 * spansPerRequest) {
        assertThat(r.leadInSpans()).as("spans sent in the lead-in, " + what).isPositive();
      }
      assertThat(r.serverReceivedDelta()).as("spans the server counted = spans sent at the fixed rate, lead-in included, " + what)
          .isEqualTo(r.leadInSpans() + lat.spansSent());
      assertThat(lat.latencies()).as("a latency per request, " + what).hasSize((int) lat.requests());
      // The request log: a line per request of the window, in due order, each latency one of the window's.
      Path log = tmp.resolve("requests").resolve(r.server() + "-" + r.protocol().name().toLowerCase(java.util.Locale.ROOT) + "-rep1.tsv");
      List<String> lines = java.nio.file.Files.readAllLines(log);
      assertThat(lines.get(0)).isEqualTo("due_utc_us\tlatency_us\tsent_late_us");
      assertThat(lines).as("request log lines, " + what).hasSize((int) lat.requests() + 1);
      long previousDue = 0;
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split("\t");
        long due = Long.parseLong(f[0]);
        assertThat(due).isGreaterThanOrEqualTo(previousDue);
        previousDue = due;
        assertThat(Long.parseLong(f[1])).isBetween(lat.latencies()[0] / 1000, lat.percentile(100) / 1000);
        assertThat(Long.parseLong(f[2])).isBetween(0L, Long.parseLong(f[1]));
      }
      assertThat(lat.percentile(50)).isPositive();
      assertThat(lat.percentile(99)).isGreaterThanOrEqualTo(lat.percentile(50));
    }
    assertThat(report.totals()).containsOnlyKeys("rum-sessions", "otelcol");
    report.totals().forEach((server, t) -> {
      assertThat(t[0]).as(server + ": spans sent").isPositive();
      assertThat(t[1]).as(server + ": every span sent counted as received").isEqualTo(t[0]);
      assertThat(t[2]).as(server + ": none refused").isZero();
    });
    assertThat(report.memory()).isNotNull();
    assertThat(report.memory().sessions()).isGreaterThanOrEqualTo(3000);
    assertThat(report.memory().bytesPerSession()).isPositive();

    assertThat(out).exists();
    String md = Files.readString(out);
    assertThat(md).contains("| rum-sessions | protobuf/gRPC |", "| otelcol | protobuf/gRPC |",
        "| rum-sessions | JSON/HTTP |", "| otelcol | JSON/HTTP |",
        "| rum-sessions | captured SDK JSON/HTTP |", "| otelcol | captured SDK JSON/HTTP |", "### Targets", "### Heap per active session",
        "every span accepted", "processor JVM options: " + String.join(" ", shipped),
        "### Where the server's CPU went in each fixed-rate window", "2 gRPC and 16 HTTP requests in flight at saturation");
    assertThat(md).doesNotContain("MISMATCH");
  }
}

package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end, briefly: a real processor process and the real Collector (built or
 * reused by e2e/collector/build.sh; a failed build fails this test), both protocols, the heap
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
        "--memory-sessions", "3000", "--no-fit-check", "--xmx", "256m", "--work", tmp.toString(), "--out", out.toString()});

    // The processor under test runs with what bin/rum-sessions gives it.
    List<String> shipped = BenchOptions.jvmOptions(o.root.resolve("collector-processor/jvm.options"));
    assertThat(shipped).isNotEmpty();
    assertThat(o.processorJvmArgs).startsWith(shipped.toArray(String[]::new));

    RumBench.Report report = new RumBench(o).run();

    assertThat(report.reps()).hasSize(4);
    assertThat(report.reps()).extracting(RumBench.Rep::server).containsOnly("rum-sessions", "otelcol");
    for (RumBench.Rep r : report.reps()) {
      String what = r.server() + " " + r.protocol();
      assertThat(r.cpuSeconds()).as("CPU seconds at saturation, " + what).isPositive();
      assertThat(r.satSpans()).as("spans at saturation, " + what).isPositive();
      assertThat(r.satFailedRequests()).as("failed requests at saturation, " + what).isZero();
      LoadRunner.Phase lat = r.latency();
      assertThat(lat.requests()).as("requests at the fixed rate, " + what).isPositive();
      assertThat(lat.failedRequests()).as("failed requests, " + what + ": " + lat.errors()).isZero();
      assertThat(lat.rejectedSpans()).as("partially rejected spans, " + what).isZero();
      assertThat(r.leadInSpans()).as("spans sent in the lead-in, " + what).isPositive();
      assertThat(r.serverReceivedDelta()).as("spans the server counted = spans sent at the fixed rate, lead-in included, " + what)
          .isEqualTo(r.leadInSpans() + lat.spansSent());
      assertThat(lat.latencies()).as("a latency per request, " + what).hasSize((int) lat.requests());
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
        "| rum-sessions | JSON/HTTP |", "| otelcol | JSON/HTTP |", "### Targets", "### Heap per active session",
        "every span accepted", "processor JVM options: " + String.join(" ", shipped));
    assertThat(md).doesNotContain("MISMATCH");
  }
}

package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
  @Test
  void aThreadAsleepThroughTheWindowIsNotListedAndOneThatEndedInItIsMissing() throws Exception {
    long pid = ProcessHandle.current().pid();
    Thread sleeper = new Thread(() -> {
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        // asked to end
      }
    }, "bench-sleeper");
    sleeper.start();
    Thread.sleep(50);
    ThreadCpu.Snapshot before = ThreadCpu.of(pid);
    Thread spinner = new Thread(() -> spin(200_000_000L), "bench-ended-1");
    spinner.start();
    spinner.join();
    spin(50_000_000L);
    ThreadCpu.Snapshot after = ThreadCpu.of(pid);
    sleeper.interrupt();
    List<ThreadCpu.Use> uses = ThreadCpu.between(before, after);
    assertThat(before.threads().values()).anyMatch(e -> e.name().equals("bench-sleeper"));
    assertThat(uses).noneMatch(u -> u.group().equals("bench-sleeper"));
    assertThat(uses).noneMatch(u -> u.group().equals("bench-ended"));
    // This test's own thread spun between the readings.
    assertThat(uses).anyMatch(u -> u.nanos() >= 20_000_000L);
    assertThat(uses).isSortedAccordingTo((x, y) -> Long.compare(y.nanos(), x.nanos()));
  }

  private static void spin(long nanos) {
    long until = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < until) x += x * 31 + 7;
    if (x == 42) System.out.println(x);
  }

  @Test
  void aThreadAliveAtBothReadingsIsCountedByTheTimeItRanBetweenThem() throws Exception {
    long pid = ProcessHandle.current().pid();
    Object go = new Object();
    boolean[] stop = {false};
    Thread spinner = new Thread(() -> {
      long x = 0;
      while (true) {
        synchronized (go) {
          if (stop[0]) break;
        }
        x += x * 31 + 7;
      }
      if (x == 42) System.out.println(x);
    }, "bench-spinner-7");
    spinner.start();
    Thread.sleep(50);
    ThreadCpu.Snapshot before = ThreadCpu.of(pid);
    Thread.sleep(400);
    ThreadCpu.Snapshot after = ThreadCpu.of(pid);
    synchronized (go) {
      stop[0] = true;
    }
    spinner.join();
    Map<String, Long> byGroup = ThreadCpu.between(before, after).stream()
        .collect(java.util.stream.Collectors.toMap(ThreadCpu.Use::group, ThreadCpu.Use::nanos));
    // "bench-spinner-7" is grouped as "bench-spinner"; it had a core (of two) for most of the 400 ms.
    assertThat(byGroup).containsKey("bench-spinner").doesNotContainKey("bench-spinner-7");
    assertThat(byGroup.get("bench-spinner")).isBetween(100_000_000L, 1_000_000_000L);
    assertThat(ThreadCpu.describe(ThreadCpu.between(before, after), 1)).startsWith("bench-spinner ");
  }

  @Test
  void groupsDropTheThreadsNumber() {
    assertThat(ThreadCpu.group("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
    assertThat(ThreadCpu.group("GC Thread#0")).isEqualTo("GC Thread");
    assertThat(ThreadCpu.group("otlp-grpc-12")).isEqualTo("otlp-grpc");
    assertThat(ThreadCpu.group("grpc-default-worker-ELG-3-1")).isEqualTo("grpc-default-worker-ELG-3");
  }

  @Test
  void describeNamesTheLargestAndSumsTheRest() {
    List<ThreadCpu.Use> uses = List.of(new ThreadCpu.Use("otlp-grpc", 5_000_000_000L),
        new ThreadCpu.Use("C2 CompilerThre", 700_000_000L), new ThreadCpu.Use("VM Thread", 40_000_000L),
        new ThreadCpu.Use("rum-state", 20_000_000L));
    assertThat(ThreadCpu.describe(uses, 2)).isEqualTo("otlp-grpc 5000, C2 CompilerThre 700, others 60");
    assertThat(ThreadCpu.describe(uses, 8)).isEqualTo("otlp-grpc 5000, C2 CompilerThre 700, VM Thread 40, rum-state 20");
  }
}

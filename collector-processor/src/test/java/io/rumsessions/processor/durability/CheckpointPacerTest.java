package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointPacerTest {
  /** A CPU clock the test moves, and the pauses asked for. */
  private long cpu;
  private final List<Long> pauses = new ArrayList<>();
  private boolean requestsWaiting = true;

  private CheckpointPacer pacer(double share) {
    return new CheckpointPacer(share, () -> requestsWaiting, () -> cpu, pauses::add);
  }

  @Test
  void aTenthOfACoreSleepsNineTimesTheCpuItUsedOnceASliceIsUsed() throws Exception {
    CheckpointPacer p = pacer(0.1);
    cpu += 400_000;
    p.pace();
    assertThat(pauses).as("less than a slice used: no pause yet").isEmpty();
    cpu += 800_000;
    p.pace();
    assertThat(pauses).containsExactly(9 * 1_200_000L);
    // The next slice counts from the pause.
    cpu += 999_999;
    p.pace();
    assertThat(pauses).hasSize(1);
    cpu += 1;
    p.pace();
    assertThat(pauses).containsExactly(9 * 1_200_000L, 9 * 1_000_000L);
    assertThat(p.sleptNanos()).isEqualTo(9 * 2_200_000L);
  }

  @Test
  void withNoRequestOnItsWayTheWriterGoesOnAndItsNextSliceCountsFromThere() throws Exception {
    CheckpointPacer p = pacer(0.1);
    requestsWaiting = false;
    cpu += 5_000_000;
    p.pace();
    assertThat(pauses).isEmpty();
    requestsWaiting = true;
    cpu += 500_000;
    p.pace();
    assertThat(pauses).as("the idle time's CPU is not charged to the next slice").isEmpty();
    cpu += 500_000;
    p.pace();
    assertThat(pauses).containsExactly(9 * 1_000_000L);
  }

  @Test
  void aQuarterSleepsThreeTimesAndAWholeCoreNever() throws Exception {
    CheckpointPacer quarter = pacer(0.25);
    cpu += 2_000_000;
    quarter.pace();
    assertThat(pauses).containsExactly(6_000_000L);
    pauses.clear();
    CheckpointPacer whole = pacer(1.0);
    cpu += 50_000_000;
    whole.pace();
    assertThat(pauses).isEmpty();
  }

  @Test
  void onTheRealClockTheWriterSleepsAtLeastWhatTheShareAsks() throws Exception {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    CheckpointPacer p = CheckpointPacer.forCurrentThread(0.5, () -> true);
    long start = threads.getCurrentThreadCpuTime();
    long x = 0;
    // 20 ms of this thread's own CPU time, in pieces, as a checkpoint writes buffers.
    while (threads.getCurrentThreadCpuTime() - start < 20_000_000L) {
      long until = System.nanoTime() + 100_000;
      while (System.nanoTime() < until) x += x * 31 + 7;
      p.pace();
    }
    // At half a core it slept about as long as it ran: all but the last, unfinished slice.
    assertThat(p.sleptNanos()).isGreaterThanOrEqualTo(20_000_000L - 2 * CheckpointPacer.SLICE_NANOS);
    assertThat(x).isNotEqualTo(42);
  }
}

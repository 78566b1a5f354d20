package io.rumsessions.processor.durability;

import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Keeps a checkpoint's writer to {@code state.checkpoint-cpu-share} of a core: after each slice
 * of its own CPU time it sleeps for as long as the share asks, like PostgreSQL spreading a
 * checkpoint's writes ({@code checkpoint_completion_target}). On one core, an unpaced checkpoint
 * took 30–70 ms of CPU at a stretch, half the core while requests queued behind it (bench/RESULTS.md,
 * "Session 12"); paced, a request waits behind at most one slice. The writer's CPU time, not the
 * wall clock, is what is metered: time it spends waiting for the disk is nobody's CPU. It pauses
 * only while requests are on their way: an idle processor writes at full speed, so a checkpoint
 * started by a burst is done soon after it (a restart after a crash then replays little log).
 */
final class CheckpointPacer {
  /** CPU time the writer runs before it pauses; a request waits behind at most about this. */
  static final long SLICE_NANOS = 1_000_000;

  /** Sleeps; a seam for tests. */
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private final double share;
  private final BooleanSupplier requestsWaiting;
  private final LongSupplier cpuNanos;
  private final Sleeper sleeper;
  private long sliceStart;
  private long sleptNanos;

  CheckpointPacer(double share, BooleanSupplier requestsWaiting, LongSupplier cpuNanos, Sleeper sleeper) {
    this.share = share;
    this.requestsWaiting = requestsWaiting;
    this.cpuNanos = cpuNanos;
    this.sleeper = sleeper;
    this.sliceStart = cpuNanos.getAsLong();
  }

  /** Paces the calling thread, metered by its own CPU time where the JVM offers it. */
  static CheckpointPacer forCurrentThread(double share, BooleanSupplier requestsWaiting) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    LongSupplier clock = threads.isCurrentThreadCpuTimeSupported() ? threads::getCurrentThreadCpuTime : System::nanoTime;
    return new CheckpointPacer(share, requestsWaiting, clock, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /** Called between pieces of the writer's work: pauses once a slice has been used. */
  void pace() throws InterruptedIOException {
    if (share >= 1) return;
    long now = cpuNanos.getAsLong();
    long used = now - sliceStart;
    if (used < SLICE_NANOS) return;
    if (!requestsWaiting.getAsBoolean()) {
      sliceStart = now;
      return;
    }
    long pause = (long) (used * (1 - share) / share);
    try {
      sleeper.sleep(pause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("checkpoint interrupted while paced");
    }
    sleptNanos += pause;
    sliceStart = cpuNanos.getAsLong();
  }

  /** Time slept so far. */
  long sleptNanos() {
    return sleptNanos;
  }
}

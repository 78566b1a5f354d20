package io.rumsessions.processor.receive;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Refuses new data while the heap is fuller than {@code receiver.memory-limit}, as the
 * Collector's memory limiter does: receivers answer 429 / RESOURCE_EXHAUSTED with a retry hint,
 * clients back off, and the processor comes back by itself once sessions end and memory is freed.
 *
 * <p>Checked every {@code receiver.memory-check-interval}, not per request. Heap in use counts
 * garbage too, so when it is above the limit a full collection is asked for (at most once per
 * check, as the Collector's limiter does) and the limit is judged on what is left: live data.
 */
public final class MemoryLimiter {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final long limitBytes;
  private volatile boolean refusing;
  private volatile double lastRatio;

  /** @param limitRatio share of the maximum heap, 0 < ratio; 1 or more never refuses */
  public MemoryLimiter(double limitRatio) {
    long max = Runtime.getRuntime().maxMemory();
    this.limitBytes = limitRatio >= 1 ? Long.MAX_VALUE : (long) (max * limitRatio);
  }

  /** Whether receivers refuse new data now. */
  public boolean refusing() {
    return refusing;
  }

  /** Heap in use over the maximum heap at the last check (after a collection when it was high). */
  public double lastRatio() {
    return lastRatio;
  }

  public long limitBytes() {
    return limitBytes;
  }

  /** The periodic check. */
  public void check() {
    long used = memory.getHeapMemoryUsage().getUsed();
    if (used > limitBytes) {
      System.gc();
      used = memory.getHeapMemoryUsage().getUsed();
    }
    lastRatio = used / (double) Runtime.getRuntime().maxMemory();
    refusing = used > limitBytes;
  }
}

package io.rumsessions.processor.durability;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * How long the thread about to fsync the log (the log's sync thread, or a blocking caller) waits
 * for requests that are still on their way to the log, so that one fsync covers their records too (PostgreSQL's {@code commit_delay},
 * with its {@code commit_siblings} as "another request holds a decoding permit"). A browser
 * posts a few spans a request, and an fsync cost more CPU than decoding them (#22): every
 * request that joins a group saves one. It waits only while others are on their way, so an idle
 * processor answers at once; it never waits longer than {@code state.commit-delay}.
 */
public final class CommitDelay {
  /** Never waits. */
  public static final CommitDelay NONE = new CommitDelay(Duration.ZERO, () -> 0);
  /**
   * Between looks at the others when no one wakes the waiter ({@link #othersArrived}): a safety net.
   * Looking every 20 µs instead woke the waiting thread 50 times a millisecond, and on one core
   * each wake-up took the core from the very requests it waited for.
   */
  private static final long POLL_NANOS = 250_000;

  private final long maxNanos;
  private final IntSupplier othersApplying;
  private final long pollNanos;
  /** The thread in {@link #await}, or null. */
  private volatile Thread waiting;

  /**
   * @param othersApplying requests that are being decoded or applied and have not yet appended
   *     their record (the caller's own excluded)
   */
  public CommitDelay(Duration max, IntSupplier othersApplying) {
    this(max, othersApplying, Duration.ofNanos(POLL_NANOS));
  }

  /** @param poll between looks at the others when no one wakes the waiter (tests) */
  CommitDelay(Duration max, IntSupplier othersApplying, Duration poll) {
    this.maxNanos = max.toNanos();
    this.othersApplying = othersApplying;
    this.pollNanos = poll.toNanos();
  }

  /** Waits while others are applying, up to the bound. */
  void await() {
    if (maxNanos <= 0 || othersApplying.getAsInt() <= 0) return;
    long deadline = System.nanoTime() + maxNanos;
    // Set before the others are looked at again: one that arrives after that look sees it.
    waiting = Thread.currentThread();
    try {
      long left;
      while (othersApplying.getAsInt() > 0 && (left = deadline - System.nanoTime()) > 0) {
        LockSupport.parkNanos(Math.min(left, pollNanos));
      }
    } finally {
      waiting = null;
    }
  }

  /** None is on its way any more: the thread waiting to fsync goes on at once. */
  public void othersArrived() {
    Thread t = waiting;
    if (t != null) LockSupport.unpark(t);
  }
}

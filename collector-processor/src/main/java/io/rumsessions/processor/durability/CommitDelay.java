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
  /** Between looks at the others; Linux rounds shorter parks up to its ~50 µs timer slack anyway. */
  private static final long POLL_NANOS = 20_000;

  private final long maxNanos;
  private final IntSupplier othersApplying;

  /**
   * @param othersApplying requests that are being decoded or applied and have not yet appended
   *     their record (the caller's own excluded)
   */
  public CommitDelay(Duration max, IntSupplier othersApplying) {
    this.maxNanos = max.toNanos();
    this.othersApplying = othersApplying;
  }

  /** Waits while others are applying, up to the bound. */
  void await() {
    if (maxNanos <= 0 || othersApplying.getAsInt() <= 0) return;
    long deadline = System.nanoTime() + maxNanos;
    do {
      LockSupport.parkNanos(POLL_NANOS);
    } while (othersApplying.getAsInt() > 0 && System.nanoTime() - deadline < 0);
  }
}

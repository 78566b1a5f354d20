package io.rumsessions.processor.ingest;

import java.util.Arrays;

/**
 * The spans seen most recently, by a 64-bit hash of (trace id, span id), so that a batch an
 * OTLP client sends again (it timed out waiting for our answer, or our answer was lost in a
 * crash after the batch was logged) is recognised and counted once.
 *
 * <p>Bounded: two open-addressing tables of {@code capacity / 2} hashes each; when the newer one
 * is full it becomes the older one and the older is cleared for reuse. So between the last
 * {@code capacity / 2} and {@code capacity} span ids are remembered, in 16 bytes per id, and
 * nothing is ever deleted one by one. Not thread-safe: used under the state lock.
 */
public final class RecentSpans {
  private final int half;
  private long[] newer;
  private long[] older;
  private int newerCount;
  /** Hashes in the older table: kept, not counted, since a scrape asks under the state lock. */
  private int olderCount;
  private final int mask;

  /** @param capacity span ids kept at most; 0 keeps none (no duplicate is recognised) */
  public RecentSpans(int capacity) {
    this.half = Math.max(0, capacity / 2);
    int slots = half == 0 ? 1 : Integer.highestOneBit(Math.max(2, half * 2 - 1)) << 1;
    this.mask = slots - 1;
    this.newer = new long[half == 0 ? 0 : slots];
    this.older = new long[half == 0 ? 0 : slots];
  }

  /** The hash a span is remembered by; never 0 (0 marks a free slot). */
  public static long hash(long traceHigh, long traceLow, long spanId) {
    long h = mix(traceHigh ^ mix(traceLow ^ mix(spanId)));
    return h == 0 ? 1 : h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Remembers {@code hash}; true when it was already remembered (a duplicate). */
  public boolean seen(long hash) {
    if (half == 0) return false;
    if (contains(older, hash)) return true;
    int i = (int) hash & mask;
    while (newer[i] != 0) {
      if (newer[i] == hash) return true;
      i = (i + 1) & mask;
    }
    newer[i] = hash;
    if (++newerCount >= half) {
      long[] t = older;
      Arrays.fill(t, 0);
      older = newer;
      newer = t;
      olderCount = newerCount;
      newerCount = 0;
    }
    return false;
  }

  private boolean contains(long[] table, long hash) {
    int i = (int) hash & mask;
    while (table[i] != 0) {
      if (table[i] == hash) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  /** Every remembered hash, older table first, for the checkpoint. */
  public long[] save() {
    return snapshot().hashes();
  }

  /**
   * The two tables as they are now, copied: taken under the state lock at a checkpoint, where a
   * copy of the arrays (a memory copy, ~2 × 8 MB by default) costs the requests waiting far less
   * than picking the hashes out of them (a scan of both, which held the lock 20 ms and more and
   * was most of a checkpoint's pause: bench/RESULTS.md, "Session 10"). {@link Snapshot#hashes}
   * picks them out afterwards, outside the lock.
   */
  public Snapshot snapshot() {
    return new Snapshot(older.clone(), newer.clone(), size());
  }

  /** The tables of a {@link #snapshot}. */
  public record Snapshot(long[] older, long[] newer, int size) {
    /** Every hash, older table first (the order {@link #restore} takes them in). */
    public long[] hashes() {
      long[] out = new long[size];
      int n = 0;
      for (long h : older) if (h != 0) out[n++] = h;
      for (long h : newer) if (h != 0) out[n++] = h;
      return out;
    }
  }

  public int size() {
    return newerCount + olderCount;
  }

  /** Puts saved hashes back in their order (oldest first), as if seen again. */
  public void restore(long[] saved) {
    for (long h : saved) seen(h);
  }
}

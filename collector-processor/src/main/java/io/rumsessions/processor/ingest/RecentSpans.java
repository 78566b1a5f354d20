package io.rumsessions.processor.ingest;

import java.util.Arrays;
import java.util.List;

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
  /** Hashes a page holds (32 KB): what a writer copies when it first changes a page a checkpoint shares. */
  private static final int PAGE_SHIFT = 12;

  private final int half;
  private Table newer;
  private Table older;
  private int newerCount;
  /** Hashes in the older table: kept, not counted, since a scrape asks under the state lock. */
  private int olderCount;

  /** @param capacity span ids kept at most; 0 keeps none (no duplicate is recognised) */
  public RecentSpans(int capacity) {
    this.half = Math.max(0, capacity / 2);
    int slots = half == 0 ? 1 : Integer.highestOneBit(Math.max(2, half * 2 - 1)) << 1;
    this.newer = new Table(half == 0 ? 0 : slots);
    this.older = new Table(half == 0 ? 0 : slots);
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
    if (older.get(older.slot(hash)) != 0) return true;
    int i = newer.slot(hash);
    if (newer.get(i) != 0) return true;
    newer.set(i, hash);
    if (++newerCount >= half) {
      Table t = older;
      t.clear();
      older = newer;
      newer = t;
      olderCount = newerCount;
      newerCount = 0;
    }
    return false;
  }

  /**
   * The two tables as they are now, for a checkpoint: taken under the state lock, and as cheap as
   * the session table's {@code freeze}, a reference per page. The pages are shared copy-on-write:
   * the first change to one after this copies it (32 KB), so the snapshot stays the tables as they
   * were. Copying both 8 MB tables here instead, or picking the hashes out of them, held the lock
   * 2–25 ms a checkpoint, and every waiting request paid it (bench/RESULTS.md, "Session 11").
   * {@link Snapshot#hashes} picks them out afterwards, outside the lock.
   */
  public Snapshot snapshot() {
    return new Snapshot(older.share(), newer.share(), size());
  }

  /** The tables' pages at a {@link #snapshot}; no longer changed by anyone. */
  public record Snapshot(long[][] older, long[][] newer, int size) {
    /** Every hash, older table first (the order {@link #restore} takes them in). */
    public long[] hashes() {
      long[] out = new long[size];
      int n = 0;
      for (long[][] table : List.of(older, newer)) {
        for (long[] page : table) {
          for (long h : page) if (h != 0) out[n++] = h;
        }
      }
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

  /** An open-addressing table in pages, each shared with the snapshots taken since it last changed. */
  private static final class Table {
    private final long[][] pages;
    private final boolean[] shared;
    private final int pageMask;
    private final int mask;

    Table(int slots) {
      int pageLength = Math.min(slots, 1 << PAGE_SHIFT);
      this.pages = new long[pageLength == 0 ? 0 : slots / pageLength][pageLength];
      this.shared = new boolean[pages.length];
      this.pageMask = pageLength - 1;
      this.mask = slots - 1;
    }

    long get(int i) {
      return pages[i >>> PAGE_SHIFT][i & pageMask];
    }

    void set(int i, long hash) {
      int p = i >>> PAGE_SHIFT;
      if (shared[p]) {
        pages[p] = pages[p].clone();
        shared[p] = false;
      }
      pages[p][i & pageMask] = hash;
    }

    /** Where {@code hash} is, or the free slot where it would go (linear probing). */
    int slot(long hash) {
      int i = (int) hash & mask;
      long h;
      while ((h = get(i)) != 0 && h != hash) i = (i + 1) & mask;
      return i;
    }

    /** Empties the table; a page a snapshot still holds is replaced, not cleared. */
    void clear() {
      for (int p = 0; p < pages.length; p++) {
        if (shared[p]) {
          pages[p] = new long[pages[p].length];
          shared[p] = false;
        } else {
          Arrays.fill(pages[p], 0);
        }
      }
    }

    long[][] share() {
      Arrays.fill(shared, true);
      return pages.clone();
    }
  }
}

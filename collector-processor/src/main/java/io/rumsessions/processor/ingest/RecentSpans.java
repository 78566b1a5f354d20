package io.rumsessions.processor.ingest;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

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
  /** Snapshots not yet {@linkplain #release released}; while there is one, pages are shared. */
  private int readers;
  /**
   * Pages no table and no snapshot holds any more, written into instead of allocating: a page a
   * writer copies after a snapshot, or a table cleared while shared, takes one from here. Without
   * it every checkpoint left up to both tables' worth (16 MB at the default capacity) of new pages,
   * which the next young collections copied and promoted (10–11 ms pauses against 2–3 ms,
   * bench/RESULTS.md "Session 12"), and the old ones as garbage in the old generation. Kept to a
   * table's worth (the newer table's pages are what a checkpoint's writes copy), so the ids cost
   * at most 24 bytes each, not 32.
   */
  private final ArrayDeque<long[]> spare = new ArrayDeque<>();

  /** @param capacity span ids kept at most; 0 keeps none (no duplicate is recognised) */
  public RecentSpans(int capacity) {
    this.half = Math.max(0, capacity / 2);
    int slots = half == 0 ? 1 : Integer.highestOneBit(Math.max(2, half * 2 - 1)) << 1;
    this.newer = new Table(half == 0 ? 0 : slots, spare);
    this.older = new Table(half == 0 ? 0 : slots, spare);
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
   * The checkpoint reads the pages outside the lock, and then {@link #release}s them.
   */
  public Snapshot snapshot() {
    readers++;
    return new Snapshot(older.share(), newer.share(), size());
  }

  /**
   * A checkpoint is done reading {@code s}, taken by {@link #snapshot} here: the pages only it
   * still held are kept for the next copies, and the pages the tables still hold are no longer
   * shared. Under the state lock, as every other call.
   */
  public void release(Snapshot s) {
    if (readers == 0 || --readers > 0) return;
    for (long[][] pages : List.of(s.older, s.newer)) {
      for (int p = 0; p < pages.length; p++) {
        long[] page = pages[p];
        // A page keeps its index in whichever table holds it (a rotation swaps whole tables).
        if (!older.unshare(p, page) && !newer.unshare(p, page) && spare.size() < pages.length) spare.add(page);
      }
    }
  }

  /**
   * The tables' pages at a {@link #snapshot}, no longer changed by anyone, or hashes read back
   * from a checkpoint ({@link #of}). Free slots are zeros.
   */
  public record Snapshot(long[][] older, long[][] newer, int size) {
    /** Hashes read back, oldest first (never 0), as one page. */
    public static Snapshot of(long[] hashes) {
      return new Snapshot(new long[][] {hashes}, new long[0][], hashes.length);
    }

    /** The pages, older table first: the hashes in them, zeros skipped, are in the order {@link #restore} takes them. */
    public List<long[]> pages() {
      List<long[]> all = new java.util.ArrayList<>(older.length + newer.length);
      all.addAll(Arrays.asList(older));
      all.addAll(Arrays.asList(newer));
      return all;
    }

    /** Every hash, older table first (the order {@link #restore} takes them in). */
    public long[] hashes() {
      long[] out = new long[size];
      int[] n = {0};
      forEach(h -> out[n[0]++] = h);
      return out;
    }

    /** Each hash, older table first, free slots skipped. */
    void forEach(LongConsumer action) {
      for (long[] page : pages()) {
        for (long h : page) if (h != 0) action.accept(h);
      }
    }
  }

  public int size() {
    return newerCount + olderCount;
  }

  /** Puts saved hashes back in their order (oldest first), as if seen again. */
  public void restore(Snapshot saved) {
    saved.forEach(this::seen);
  }

  /** An open-addressing table in pages, each shared with the snapshots taken since it last changed. */
  private static final class Table {
    private final long[][] pages;
    private final boolean[] shared;
    private final int pageMask;
    private final int mask;
    private final ArrayDeque<long[]> spare;

    Table(int slots, ArrayDeque<long[]> spare) {
      int pageLength = Math.min(slots, 1 << PAGE_SHIFT);
      this.pages = new long[pageLength == 0 ? 0 : slots / pageLength][pageLength];
      this.shared = new boolean[pages.length];
      this.pageMask = pageLength - 1;
      this.mask = slots - 1;
      this.spare = spare;
    }

    long get(int i) {
      return pages[i >>> PAGE_SHIFT][i & pageMask];
    }

    void set(int i, long hash) {
      int p = i >>> PAGE_SHIFT;
      if (shared[p]) {
        long[] copy = sparePage();
        System.arraycopy(pages[p], 0, copy, 0, copy.length);
        pages[p] = copy;
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
          long[] fresh = sparePage();
          Arrays.fill(fresh, 0);
          pages[p] = fresh;
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

    /** A page to write into in place of a shared one: a spare one (its contents left over), or a new one. */
    private long[] sparePage() {
      long[] page = spare.poll();
      return page != null ? page : new long[pageMask + 1];
    }

    /** Whether {@code page} is this table's page {@code p}; if so, it is no longer shared. */
    boolean unshare(int p, long[] page) {
      if (pages[p] != page) return false;
      shared[p] = false;
      return true;
    }
  }
}

package io.rumsessions.processor.ingest;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The spans seen most recently, by a 64-bit hash of (trace id, span id), so that a batch an
 * OTLP client sends again (it timed out waiting for our answer, or our answer was lost in a
 * crash after the batch was logged) is recognised and counted once.
 *
 * <p>Bounded: two open-addressing tables ("sides") of {@code capacity / 2} hashes each; when the
 * newer one is full it becomes the older one and the older is cleared for reuse. So between the
 * last {@code capacity / 2} and {@code capacity} span ids are remembered, in 16 bytes per id, and
 * nothing is ever deleted one by one.
 *
 * <p>The two tables are interleaved in one array, slot {@code i} of each side next to the other's:
 * a new span id, nearly every span, is looked for in both, and side by side that is one cache
 * line and one page of memory instead of two, each a miss in tables of 8 MB (bench/RESULTS.md,
 * "Session 14": 80 → 57 ns a new span in JMH). Not thread-safe: used under the state lock.
 */
public final class RecentSpans {
  /** Longs a page holds (32 KB): what a writer copies when it first changes a page a checkpoint shares. */
  private static final int PAGE_SHIFT = 12;

  private final int half;
  private final long[][] pages;
  /** Whether a snapshot not yet released holds page {@code p}: the first write to it copies it. */
  private final boolean[] shared;
  /** Slots of one side a page holds, less one; pages hold their two sides' slots alternately. */
  private final int pageSlotMask;
  private final int pageSlotShift;
  private final int mask;
  /** The side (0 or 1, the long's parity in a page) new ids go into. */
  private int newer;
  private int newerCount;
  /** Hashes in the older side: kept, not counted, since a scrape asks under the state lock. */
  private int olderCount;
  /** Snapshots not yet {@linkplain #release released}; while there is one, pages are shared. */
  private int readers;
  /**
   * Pages no table and no snapshot holds any more, written into instead of allocating: a page a
   * writer copies after a snapshot, or a side cleared while shared, takes one from here. Without
   * it every checkpoint left up to the tables' worth (16 MB at the default capacity) of new pages,
   * which the next young collections copied and promoted (10–11 ms pauses against 2–3 ms,
   * bench/RESULTS.md "Session 12"), and the old ones as garbage in the old generation. Kept to the
   * tables' worth (new ids land on every page, since the sides are interleaved), so the ids cost
   * at most 32 bytes each.
   */
  private final ArrayDeque<long[]> spare = new ArrayDeque<>();

  /** @param capacity span ids kept at most; 0 keeps none (no duplicate is recognised) */
  public RecentSpans(int capacity) {
    this.half = Math.max(0, capacity / 2);
    // Each side at most half full: linear probing stays short.
    int slots = half == 0 ? 0 : Integer.highestOneBit(Math.max(2, half * 2 - 1)) << 1;
    int pageLength = Math.min(slots * 2, 1 << PAGE_SHIFT);
    this.pages = new long[pageLength == 0 ? 0 : slots * 2 / pageLength][pageLength];
    this.shared = new boolean[pages.length];
    this.pageSlotMask = pageLength / 2 - 1;
    this.pageSlotShift = Integer.numberOfTrailingZeros(Math.max(1, pageLength / 2));
    this.mask = slots - 1;
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
    int start = (int) hash & mask;
    int older = newer ^ 1;
    long h;
    for (int i = start; (h = get(older, i)) != 0; i = (i + 1) & mask) {
      if (h == hash) return true;
    }
    int i = start;
    for (; (h = get(newer, i)) != 0; i = (i + 1) & mask) {
      if (h == hash) return true;
    }
    set(newer, i, hash);
    if (++newerCount >= half) {
      clear(older);
      newer = older;
      olderCount = newerCount;
      newerCount = 0;
    }
    return false;
  }

  private long get(int side, int slot) {
    return pages[slot >>> pageSlotShift][(slot & pageSlotMask) << 1 | side];
  }

  private void set(int side, int slot, long hash) {
    writable(slot >>> pageSlotShift)[(slot & pageSlotMask) << 1 | side] = hash;
  }

  /** Page {@code p}, copied first if a snapshot shares it. */
  private long[] writable(int p) {
    long[] page = pages[p];
    if (!shared[p]) return page;
    long[] copy = spare.poll();
    if (copy == null) copy = new long[page.length];
    System.arraycopy(page, 0, copy, 0, page.length);
    pages[p] = copy;
    shared[p] = false;
    return copy;
  }

  /** Empties one side; the other's hashes stay where they are. */
  private void clear(int side) {
    for (int p = 0; p < pages.length; p++) {
      long[] page = writable(p);
      for (int k = side; k < page.length; k += 2) page[k] = 0;
    }
  }

  /**
   * The tables as they are now, for a checkpoint: taken under the state lock, and as cheap as
   * the session table's {@code freeze}, a reference per page. The pages are shared copy-on-write:
   * the first change to one after this copies it (32 KB), so the snapshot stays the tables as they
   * were. Copying the 16 MB of tables here instead, or picking the hashes out of them, held the lock
   * 2–25 ms a checkpoint, and every waiting request paid it (bench/RESULTS.md, "Session 11").
   * The checkpoint reads the pages outside the lock, and then {@link #release}s them.
   */
  public Snapshot snapshot() {
    readers++;
    Arrays.fill(shared, true);
    return new Snapshot(pages.clone(), newer ^ 1, size());
  }

  /**
   * A checkpoint is done reading {@code s}, taken by {@link #snapshot} here: the pages only it
   * still held are kept for the next copies, and the pages the tables still hold are no longer
   * shared. Under the state lock, as every other call.
   */
  public void release(Snapshot s) {
    if (readers == 0 || --readers > 0) return;
    for (int p = 0; p < s.pages.length; p++) {
      long[] page = s.pages[p];
      if (pages[p] == page) {
        shared[p] = false;
      } else if (spare.size() < pages.length) {
        spare.add(page);
      }
    }
  }

  /** Where a {@link Snapshot}'s hashes go, one by one: a checkpoint's stream. */
  @FunctionalInterface
  public interface HashSink<E extends Exception> {
    void accept(long hash) throws E;
  }

  /**
   * The tables' pages at a {@link #snapshot}, no longer changed by anyone, with the side that was
   * the older one; or hashes read back from a checkpoint ({@link #of}), one page, side -1. Free
   * slots are zeros.
   */
  public record Snapshot(long[][] pages, int olderSide, int size) {
    /** Hashes read back, oldest first (never 0), as one page. */
    public static Snapshot of(long[] hashes) {
      return new Snapshot(new long[][] {hashes}, -1, hashes.length);
    }

    /** Every hash, older side first (the order {@link #restore} takes them in). */
    public long[] hashes() {
      long[] out = new long[size];
      int[] n = {0};
      forEach(h -> out[n[0]++] = h);
      return out;
    }

    /** Each hash, older side first, free slots skipped. */
    public <E extends Exception> void forEach(HashSink<E> action) throws E {
      if (olderSide < 0) {
        for (long[] page : pages) for (long h : page) if (h != 0) action.accept(h);
        return;
      }
      for (int side : new int[] {olderSide, olderSide ^ 1}) {
        for (long[] page : pages) {
          for (int k = side; k < page.length; k += 2) if (page[k] != 0) action.accept(page[k]);
        }
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
}

package io.rumsessions.processor.visitors;

import org.apache.datasketches.filters.bloomfilter.BloomFilter;
import org.apache.datasketches.filters.bloomfilter.BloomFilterBuilder;
import org.apache.datasketches.memory.Memory;

/**
 * Which consented visitors were seen in the lookback: one Bloom filter per site day, so a day
 * drops out whole when it leaves the lookback, and nothing but filter bits is kept. A visitor
 * is returning when any day's filter (today's included: a second session the same day returns)
 * holds it. Each filter's false-positive rate is set so that the chance of a new visitor being
 * taken for a returning one, over all the lookback's filters, is the configured one at the
 * configured daily volume.
 */
final class ReturningVisitors {
  private final int lookbackDays;
  private final long dailyVisitors;
  private final double perFilterFpp;
  private final BloomFilter[] filters;
  private final long[] dayOf;
  private final long[] added;

  ReturningVisitors(int lookbackDays, long dailyVisitors, double falseReturning) {
    this.lookbackDays = lookbackDays;
    this.dailyVisitors = dailyVisitors;
    this.perFilterFpp = 1 - Math.pow(1 - falseReturning, 1.0 / lookbackDays);
    this.filters = new BloomFilter[lookbackDays];
    this.dayOf = new long[lookbackDays];
    this.added = new long[lookbackDays];
    java.util.Arrays.fill(dayOf, Long.MIN_VALUE);
  }

  /** Whether the visitor was seen before (within the lookback); records it under {@code day}. */
  synchronized boolean seenBefore(long hash, long day) {
    boolean seen = false;
    for (int i = 0; i < lookbackDays && !seen; i++) {
      seen = filters[i] != null && inLookback(dayOf[i], day) && filters[i].query(hash);
    }
    int slot = slot(day);
    if (dayOf[slot] != day) {
      if (dayOf[slot] > day) return seen; // the clock went back past the lookback: count nothing
      if (filters[slot] == null) filters[slot] = BloomFilterBuilder.createByAccuracy(dailyVisitors, perFilterFpp);
      else filters[slot].reset();
      dayOf[slot] = day;
      added[slot] = 0;
    }
    if (!filters[slot].queryAndUpdate(hash)) added[slot]++;
    return seen;
  }

  /** Distinct visitors recorded on the day over the daily volume the filters are sized for. */
  synchronized double load(long day) {
    int slot = slot(day);
    return dayOf[slot] == day ? (double) added[slot] / dailyVisitors : 0;
  }

  private boolean inLookback(long filterDay, long day) {
    return filterDay <= day && filterDay > day - lookbackDays;
  }

  private int slot(long day) {
    return (int) Math.floorMod(day, (long) lookbackDays);
  }

  synchronized void write(java.io.DataOutputStream out) throws java.io.IOException {
    int n = 0;
    for (BloomFilter f : filters) if (f != null) n++;
    out.writeInt(n);
    for (int i = 0; i < lookbackDays; i++) {
      if (filters[i] == null) continue;
      out.writeLong(dayOf[i]);
      out.writeLong(added[i]);
      byte[] bytes = filters[i].toByteArray();
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  /**
   * Restores the days still in the lookback. A filter sized under other settings is kept as it
   * is: it still answers for its day, at its own false-positive rate.
   */
  synchronized void read(java.io.DataInputStream in, long today) throws java.io.IOException {
    int n = in.readInt();
    for (int k = 0; k < n; k++) {
      long day = in.readLong();
      long count = in.readLong();
      byte[] bytes = in.readNBytes(UniqueVisitors.checkedLength(in.readInt()));
      if (!inLookback(day, today)) continue;
      BloomFilter f = BloomFilter.heapify(Memory.wrap(bytes));
      int slot = slot(day);
      filters[slot] = f;
      dayOf[slot] = day;
      added[slot] = count;
    }
  }
}

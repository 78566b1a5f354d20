package io.rumsessions.processor.identity;

import io.rumsessions.processor.session.SlotIndex;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which session a trace belongs to, learnt from browser spans: the OpenTelemetry web fetch
 * instrumentation propagates {@code traceparent}, so the backend's server span for that
 * request shares the browser span's trace id. Bounded: once full, the trace remembered longest
 * ago is forgotten first.
 *
 * <p>Kept in primitive arrays rather than a map of objects: an entry, a key object and its bytes
 * per browser fetch were a third of what every young collection copied (each lives long enough to
 * be copied once; bench/RESULTS.md). Remembering a trace allocates nothing once the arrays have
 * grown (by doubling, up to the capacity). A ring holds the traces in the order they came; a
 * {@link SlotIndex} (with a hash seeded per instance against chosen collisions) finds them.
 */
public final class TraceSessions {
  private static final int FIRST_SIZE = 1024;

  private final int capacity;
  private final long seed = ThreadLocalRandom.current().nextLong();
  private long[] high = new long[0];
  private long[] low = new long[0];
  private long[] owners = new long[0];
  /** Ring slots in use; once it equals the capacity, {@code oldest} is overwritten next. */
  private int size;
  private int oldest;
  private final SlotIndex index = new SlotIndex(0.5);

  public TraceSessions(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Remembers the session of the trace with this 16-byte id (as two big-endian longs).
   *
   * @param session the session's handle ({@code Assignment.sessionHandle}): a number, so that
   *     remembering a trace keeps no object alive
   */
  public synchronized void remember(long traceHigh, long traceLow, long session) {
    if (capacity == 0) return;
    int found = find(traceHigh, traceLow);
    if (found >= 0) {
      owners[found] = session;
      return;
    }
    int slot;
    if (size < capacity) {
      if (size == owners.length) grow();
      slot = size++;
    } else {
      slot = oldest;
      index.remove(hash(high[slot], low[slot]), slot);
      oldest = (oldest + 1) % capacity;
    }
    high[slot] = traceHigh;
    low[slot] = traceLow;
    owners[slot] = session;
    index.add(hash(traceHigh, traceLow), slot);
  }

  /** The session handle a trace was seen in, or 0. */
  public synchronized long sessionOf(long traceHigh, long traceLow) {
    int slot = find(traceHigh, traceLow);
    return slot < 0 ? 0 : owners[slot];
  }

  public synchronized int size() {
    return size;
  }

  private int find(long h, long l) {
    if (size == 0) return -1;
    int hash = hash(h, l);
    for (int p = index.start(hash); ; p = index.next(p)) {
      int slot = index.slotAt(p, hash);
      if (slot == SlotIndex.END) return -1;
      if (slot >= 0 && high[slot] == h && low[slot] == l) return slot;
    }
  }

  private void grow() {
    int length = (int) Math.min(capacity, Math.max(FIRST_SIZE, 2L * owners.length));
    high = Arrays.copyOf(high, length);
    low = Arrays.copyOf(low, length);
    owners = Arrays.copyOf(owners, length);
  }

  private int hash(long h, long l) {
    return SlotIndex.spread((h * 0x9E3779B97F4A7C15L + l) ^ seed);
  }
}

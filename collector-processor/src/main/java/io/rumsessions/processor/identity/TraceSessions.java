package io.rumsessions.processor.identity;

import io.rumsessions.processor.session.SessionKey;
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
 * grown (by doubling, up to the capacity). A ring holds the traces in the order they came; an
 * open-addressing index (linear probing, a hash seeded per instance against chosen collisions)
 * finds them.
 */
public final class TraceSessions {
  private static final int FIRST_SIZE = 1024;

  private final int capacity;
  private final long seed = ThreadLocalRandom.current().nextLong();
  private long[] high = new long[0];
  private long[] low = new long[0];
  private SessionKey[] owners = new SessionKey[0];
  /** Ring slots in use; once it equals the capacity, {@code oldest} is overwritten next. */
  private int size;
  private int oldest;
  /** Ring slot + 1 per index position; 0 is empty. Always at most half full. */
  private int[] index = new int[0];
  private int mask;

  public TraceSessions(int capacity) {
    this.capacity = capacity;
  }

  /** Remembers the session of the trace with this 16-byte id (as two big-endian longs). */
  public synchronized void remember(long traceHigh, long traceLow, SessionKey session) {
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
      unindex(slot);
      oldest = (oldest + 1) % capacity;
    }
    high[slot] = traceHigh;
    low[slot] = traceLow;
    owners[slot] = session;
    int i = hash(traceHigh, traceLow) & mask;
    while (index[i] != 0) i = (i + 1) & mask;
    index[i] = slot + 1;
  }

  /** The session a trace was seen in, or null. */
  public synchronized SessionKey sessionOf(long traceHigh, long traceLow) {
    int slot = find(traceHigh, traceLow);
    return slot < 0 ? null : owners[slot];
  }

  public synchronized int size() {
    return size;
  }

  private int find(long h, long l) {
    if (size == 0) return -1;
    for (int i = hash(h, l) & mask; index[i] != 0; i = (i + 1) & mask) {
      int slot = index[i] - 1;
      if (high[slot] == h && low[slot] == l) return slot;
    }
    return -1;
  }

  /** Removes a ring slot from the index, shifting later entries of its probe run back. */
  private void unindex(int slot) {
    int p = hash(high[slot], low[slot]) & mask;
    while (index[p] != slot + 1) p = (p + 1) & mask;
    index[p] = 0;
    for (int q = (p + 1) & mask; index[q] != 0; q = (q + 1) & mask) {
      int s = index[q] - 1;
      int home = hash(high[s], low[s]) & mask;
      // The entry at q may move to the hole at p unless its home lies cyclically in (p, q].
      boolean stays = p <= q ? (home > p && home <= q) : (home > p || home <= q);
      if (!stays) {
        index[p] = index[q];
        index[q] = 0;
        p = q;
      }
    }
  }

  private void grow() {
    int length = (int) Math.min(capacity, Math.max(FIRST_SIZE, 2L * owners.length));
    high = Arrays.copyOf(high, length);
    low = Arrays.copyOf(low, length);
    owners = Arrays.copyOf(owners, length);
    int positions = Integer.highestOneBit(Math.max(2, length) - 1) << 2;
    index = new int[positions];
    mask = positions - 1;
    for (int slot = 0; slot < size; slot++) {
      int i = hash(high[slot], low[slot]) & mask;
      while (index[i] != 0) i = (i + 1) & mask;
      index[i] = slot + 1;
    }
  }

  private int hash(long h, long l) {
    long x = (h * 0x9E3779B97F4A7C15L + l) ^ seed;
    x = (x ^ (x >>> 33)) * 0xFF51AFD7ED558CCDL;
    x = (x ^ (x >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return (int) (x ^ (x >>> 33));
  }
}

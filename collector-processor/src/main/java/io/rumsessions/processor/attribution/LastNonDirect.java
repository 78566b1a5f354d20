package io.rumsessions.processor.attribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GA4's last non-direct attribution: a direct session of a visitor known across days (a
 * consented {@code user.id}) takes the source, medium and campaign of that visitor's last
 * non-direct pageview within the lookback. Visitors are 64-bit hashes, never ids; the table
 * keeps the {@code capacity} visitors seen most recently. Not thread-safe: used under the
 * state lock, and part of the checkpointed state.
 */
public final class LastNonDirect {
  /** A visitor's last non-direct attribution and when it was seen. */
  public record Entry(long visitor, Attribution attribution, long atMillis) {}

  private final long lookbackMillis;
  private final Map<Long, Entry> byVisitor;

  public LastNonDirect(long lookbackMillis, int capacity) {
    this.lookbackMillis = lookbackMillis;
    // Insertion order, moved on remember() only: a lookup changes nothing, so replaying the
    // remembered visits rebuilds the same table, evictions included.
    this.byVisitor = new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
        return size() > capacity;
      }
    };
  }

  /** Whether this pageview's attribution is one to remember (anything but direct). */
  public static boolean isNonDirect(Attribution a) {
    return a != null && a.channel() != Channel.DIRECT;
  }

  /**
   * The attribution a pageview's session should take: its own unless it is direct and the
   * visitor had a non-direct one within the lookback.
   */
  public Attribution resolve(long visitor, Attribution own, long nowMillis) {
    if (own == null || isNonDirect(own)) return own;
    Entry e = byVisitor.get(visitor);
    if (e == null || nowMillis - e.atMillis() > lookbackMillis) return own;
    return e.attribution();
  }

  public void remember(long visitor, Attribution a, long nowMillis) {
    byVisitor.remove(visitor);
    byVisitor.put(visitor, new Entry(visitor, a, nowMillis));
  }

  public int size() {
    return byVisitor.size();
  }

  /** Every entry, least recently remembered first (so restoring keeps the order). */
  public List<Entry> save() {
    return new ArrayList<>(byVisitor.values());
  }

  /** Puts saved entries back; those older than the lookback are dropped. */
  public void restore(List<Entry> saved, long nowMillis) {
    for (Entry e : saved) {
      if (nowMillis - e.atMillis() <= lookbackMillis) byVisitor.put(e.visitor(), e);
    }
  }
}

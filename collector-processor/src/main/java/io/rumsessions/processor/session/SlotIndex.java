package io.rumsessions.processor.session;

/**
 * An open-addressing index (linear probing, backward-shift deletion: no tombstones) from a 32-bit
 * hash to the slot where a table of primitive columns keeps the entry. It stores each entry's hash
 * beside its slot, so that a probe rules out another key without reading the table (a likely cache
 * miss), and growing rehashes without it. The caller compares the key itself and chooses the hash,
 * seeded per instance against chosen collisions. Not thread-safe.
 *
 * <pre>{@code
 * for (int p = index.start(h); ; p = index.next(p)) {
 *   int slot = index.slotAt(p, h);
 *   if (slot == SlotIndex.END) return -1;
 *   if (slot >= 0 && keyAt(slot).equals(key)) return slot;
 * }
 * }</pre>
 */
public final class SlotIndex {
  /** {@link #slotAt}: the probe run ended; the hash is not indexed. */
  public static final int END = -2;
  /** {@link #slotAt}: this position holds another hash. */
  public static final int OTHER = -1;

  private final double maxLoad;
  /** Per position the hash (high 32 bits) and the slot + 1 (low 32 bits); 0 is empty. */
  private long[] entries = new long[16];
  private int mask = 15;
  private int size;

  /** @param maxLoad how full the positions may get before they double, in (0, 0.75] */
  public SlotIndex(double maxLoad) {
    if (!(maxLoad > 0 && maxLoad <= 0.75)) throw new IllegalArgumentException("maxLoad must be in (0, 0.75], got " + maxLoad);
    this.maxLoad = maxLoad;
  }

  /**
   * A 32-bit hash of a mixed 64-bit key, every input bit reaching every output bit (MurmurHash3's
   * 64-bit finalizer), for callers to build their hashes on.
   */
  public static int spread(long x) {
    x = (x ^ (x >>> 33)) * 0xFF51AFD7ED558CCDL;
    x = (x ^ (x >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return (int) (x ^ (x >>> 33));
  }

  /** The first position to probe for a hash. */
  public int start(int hash) {
    return hash & mask;
  }

  public int next(int position) {
    return (position + 1) & mask;
  }

  /** The slot at a position if its entry has this hash; {@link #OTHER} or {@link #END} if not. */
  public int slotAt(int position, int hash) {
    long entry = entries[position];
    if (entry == 0) return END;
    return (int) (entry >>> 32) == hash ? (int) entry - 1 : OTHER;
  }

  public void add(int hash, int slot) {
    if (++size > entries.length * maxLoad) resize(entries.length * 2);
    int p = hash & mask;
    while (entries[p] != 0) p = (p + 1) & mask;
    entries[p] = (long) hash << 32 | (slot + 1);
  }

  /** Removes a slot indexed under this hash (it must be), shifting later entries of its run back. */
  public void remove(int hash, int slot) {
    long entry = (long) hash << 32 | (slot + 1);
    int p = hash & mask;
    while (entries[p] != entry) p = (p + 1) & mask;
    entries[p] = 0;
    size--;
    for (int q = (p + 1) & mask; entries[q] != 0; q = (q + 1) & mask) {
      int home = (int) (entries[q] >>> 32) & mask;
      // The entry at q may move to the hole at p unless its home lies cyclically in (p, q].
      boolean stays = p <= q ? (home > p && home <= q) : (home > p || home <= q);
      if (!stays) {
        entries[p] = entries[q];
        entries[q] = 0;
        p = q;
      }
    }
  }

  public int size() {
    return size;
  }

  private void resize(int positions) {
    long[] old = entries;
    entries = new long[positions];
    mask = positions - 1;
    for (long entry : old) {
      if (entry == 0) continue;
      int p = (int) (entry >>> 32) & mask;
      while (entries[p] != 0) p = (p + 1) & mask;
      entries[p] = entry;
    }
  }
}

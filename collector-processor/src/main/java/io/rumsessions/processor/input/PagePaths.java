package io.rumsessions.processor.input;

/**
 * One shared copy of each recently seen page path. A session keeps its landing and exit page;
 * a fresh string per pageview lives until the session's next pageview or end, long enough to be
 * copied by a young collection and promoted, while a site has few distinct pages. Direct-mapped
 * and bounded: a path that meets another in its slot replaces it.
 *
 * <p>Shared by the receiver threads without locks: a slot holds an immutable String, so a racing
 * reader sees either path, and a lost write only costs a copy.
 */
public final class PagePaths {
  private final String[] slots;
  private final int mask;

  /** @param size slots, rounded up to a power of two */
  public PagePaths(int size) {
    int n = Integer.highestOneBit(Math.max(2, size) - 1) << 1;
    this.slots = new String[n];
    this.mask = n - 1;
  }

  /** The kept copy equal to {@code path}, or {@code path} itself, now kept; null for null. */
  public String share(String path) {
    if (path == null) return null;
    int h = path.hashCode();
    int i = (h ^ h >>> 16) & mask;
    String kept = slots[i];
    if (path.equals(kept)) return kept;
    slots[i] = path;
    return path;
  }
}

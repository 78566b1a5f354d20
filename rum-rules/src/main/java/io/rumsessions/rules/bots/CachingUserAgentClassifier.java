package io.rumsessions.rules.bots;

/**
 * A bounded verdict cache in front of a {@link UserAgentClassifier}.
 *
 * <p>Direct-mapped: each user agent has exactly one slot, chosen by its hash; a new user agent that
 * lands on an occupied slot overwrites it. A hit costs the string's hash (cached inside the
 * {@code String} after first use), one array read and one {@code equals}; it allocates nothing
 * and takes no lock. Slots hold immutable entries written with a plain store: a reader sees
 * either the old entry, the new one, or none, never a torn one (final-field semantics), so races
 * only cost an occasional recomputation.
 *
 * <p>Memory: one slot reference per entry plus, per filled slot, a 24-byte entry and the user-agent
 * string it keeps alive (about 150-300 bytes). The default 4096 slots hold about 1 MB when full.
 * User agents longer than 512 characters are classified without caching.
 */
public final class CachingUserAgentClassifier {

  /** Default number of slots. */
  public static final int DEFAULT_CAPACITY = 4096;

  static final int MAX_CACHED_LENGTH = 512;

  private static final int MAX_CAPACITY = 1 << 22;

  private final UserAgentClassifier delegate;
  private final Entry[] slots;
  private final int mask;

  /** A cache of {@link #DEFAULT_CAPACITY} slots in front of the bundled classifier. */
  public CachingUserAgentClassifier() {
    this(UserAgentClassifier.fromBundledLists(), DEFAULT_CAPACITY);
  }

  /**
   * @param capacity number of slots, rounded up to a power of two (1 to 4,194,304)
   */
  public CachingUserAgentClassifier(UserAgentClassifier delegate, int capacity) {
    if (delegate == null) {
      throw new NullPointerException("delegate");
    }
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be between 1 and " + MAX_CAPACITY + ", got " + capacity);
    }
    int size = Integer.highestOneBit(capacity);
    if (size < capacity) {
      size <<= 1;
    }
    this.delegate = delegate;
    this.slots = new Entry[size];
    this.mask = size - 1;
  }

  /** Number of slots (a power of two). */
  public int capacity() {
    return slots.length;
  }

  public UserAgentClassifier delegate() {
    return delegate;
  }

  /** Same result as {@link UserAgentClassifier#classify(String)}, cached. */
  public UserAgentVerdict classify(String userAgent) {
    if (userAgent == null || userAgent.length() > MAX_CACHED_LENGTH) {
      return delegate.classify(userAgent);
    }
    int h = userAgent.hashCode();
    int index = (h ^ (h >>> 16)) & mask;
    Entry e = slots[index];
    if (e != null && e.hash == h && (e.userAgent == userAgent || e.userAgent.equals(userAgent))) {
      return e.verdict;
    }
    UserAgentVerdict verdict = delegate.classify(userAgent);
    slots[index] = new Entry(userAgent, h, verdict);
    return verdict;
  }

  /** True if this exact user agent is in its slot now (for tests and benchmarks). */
  boolean isCached(String userAgent) {
    if (userAgent == null) {
      return false;
    }
    int h = userAgent.hashCode();
    Entry e = slots[(h ^ (h >>> 16)) & mask];
    return e != null && e.hash == h && e.userAgent.equals(userAgent);
  }

  /** Empties every slot. */
  public void clear() {
    for (int i = 0; i < slots.length; i++) {
      slots[i] = null;
    }
  }

  /** Filled slots (a scan; for tests and diagnostics). */
  public int size() {
    int n = 0;
    for (Entry e : slots) {
      if (e != null) {
        n++;
      }
    }
    return n;
  }

  private static final class Entry {
    final String userAgent;
    final int hash;
    final UserAgentVerdict verdict;

    Entry(String userAgent, int hash, UserAgentVerdict verdict) {
      this.userAgent = userAgent;
      this.hash = hash;
      this.verdict = verdict;
    }
  }
}

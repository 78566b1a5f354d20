package io.rumsessions.processor.attribution;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps one label dimension bounded: registered values are always kept; other values are kept
 * in order of first sight until {@code maxAdmitted} of them have been seen, after which every new
 * value becomes {@value #OTHER}. A value admitted once stays admitted for the life of the
 * process (so a series never flips between its value and {@code other}).
 *
 * <p>Thread-safe; a kept value costs one hash lookup and no lock.
 */
public final class LabelLimiter {
  /** The label value for everything past the limit. */
  public static final String OTHER = "other";

  private final Set<String> registered;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final int maxAdmitted;
  private volatile boolean full;

  /**
   * @param registered values always kept (normalised the same way as the values passed to
   *     {@link #limit}); {@code other} is always kept too
   * @param maxAdmitted how many further distinct values to keep, 0 or more
   */
  public LabelLimiter(Collection<String> registered, int maxAdmitted) {
    if (maxAdmitted < 0) throw new IllegalArgumentException("maxAdmitted must be >= 0, got " + maxAdmitted);
    Set<String> r = new java.util.HashSet<>(registered);
    r.add(OTHER);
    this.registered = Set.copyOf(r);
    this.maxAdmitted = maxAdmitted;
    this.full = maxAdmitted == 0;
  }

  /** The value itself when registered or admitted, else {@code other}; null is "(not set)". */
  public String limit(String value) {
    if (value == null) value = Attribution.NOT_SET;
    if (registered.contains(value) || admitted.contains(value)) return value;
    if (full) return OTHER;
    synchronized (this) {
      if (admitted.contains(value)) return value;
      if (admitted.size() >= maxAdmitted) {
        full = true;
        return OTHER;
      }
      admitted.add(value);
      if (admitted.size() >= maxAdmitted) full = true;
      return value;
    }
  }

  /** Whether the value is registered (always kept). */
  public boolean isRegistered(String value) {
    return registered.contains(value);
  }

  /** How many unregistered values have been admitted so far. */
  public int admittedCount() {
    return admitted.size();
  }

  public int maxAdmitted() {
    return maxAdmitted;
  }

  /** Every value this limiter can currently return, sorted. */
  public Set<String> values() {
    Set<String> all = new TreeSet<>(registered);
    all.addAll(admitted);
    return all;
  }
}

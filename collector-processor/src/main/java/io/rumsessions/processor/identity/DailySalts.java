package io.rumsessions.processor.identity;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * A random 128-bit salt per UTC day. Only today's and yesterday's salts exist: when the day
 * turns, the salt from two days ago is deleted (memory and disk), so no id can be linked
 * across more than 48 hours.
 *
 * <p>With a {@link SaltStore} (files in a directory, or a Kafka topic), salts survive a restart
 * and every instance sharing the store uses the same salt for a day.
 */
public final class DailySalts {
  private final SecureRandom random;
  private final SaltStore store;
  private final Map<Long, byte[]> salts = new HashMap<>();
  private volatile long newestDay = Long.MIN_VALUE;
  /**
   * The days {@link #salts} holds (two at most), published after each change: {@link #exists} is
   * asked once per span, and reads it with no lock and no boxed key.
   */
  private volatile long[] saltedDays = {};

  /** @param dir where salts are kept; null keeps them in memory only */
  public DailySalts(SecureRandom random, Path dir) {
    this(dir == null ? null : new FileSaltStore(dir), random);
  }

  private DailySalts(SaltStore store, SecureRandom random) {
    this.random = random;
    this.store = store;
  }

  /** Salts kept in {@code store} (a Kafka topic in the distributed mode). */
  public static DailySalts keptIn(SaltStore store, SecureRandom random) {
    return new DailySalts(store, random);
  }

  /**
   * The salt for a UTC day (days since the epoch), created if that day is new; null for a day
   * older than yesterday (relative to the newest day seen), whose salt no longer exists.
   */
  public synchronized byte[] forDay(long day) {
    if (day > newestDay) {
      newestDay = day;
      forgetBefore(day - 1);
      // Yesterday's salt, if this or another instance made one, is read once here, so that
      // exists() never touches the store on the span path.
      if (store != null && !salts.containsKey(day - 1)) {
        byte[] yesterday = store.load(day - 1);
        if (yesterday != null) salts.put(day - 1, yesterday);
      }
      publishDays();
    }
    if (day < newestDay - 1) return null;
    byte[] salt = salts.get(day);
    if (salt == null) {
      salt = store == null ? fresh() : store.loadOrCreate(day, fresh());
      salts.put(day, salt);
      publishDays();
    }
    return salt;
  }

  /** Whether the day's salt may still be used (today's or yesterday's); lock-free. */
  public boolean isLive(long day) {
    return day >= newestDay - 1;
  }

  /** Whether a salt for the day exists without creating one (yesterday's may never have been made). */
  public boolean exists(long day) {
    for (long d : saltedDays) {
      if (d == day) return true;
    }
    return false;
  }

  private void publishDays() {
    saltedDays = salts.keySet().stream().mapToLong(Long::longValue).toArray();
  }

  private byte[] fresh() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return b;
  }

  private void forgetBefore(long oldestKept) {
    salts.keySet().removeIf(d -> d < oldestKept);
    if (store != null) store.deleteBefore(oldestKept);
  }
}

package io.rumsessions.processor.identity;

import java.security.SecureRandom;

/**
 * A random 128-bit salt per UTC day. Only today's and yesterday's salts exist at any time; an
 * older one is dropped the moment the day turns, so yesterday's visitors cannot be linked to
 * today's beyond the 48 hours a salt lives.
 */
public final class DailySalts {
  private final SecureRandom random;
  private long currentDay = Long.MIN_VALUE;
  private byte[] current;
  private byte[] previous;

  public DailySalts(SecureRandom random) {
    this.random = random;
  }

  /** The salt for the UTC day containing {@code epochMillis}; creates it when the day turns. */
  public synchronized Salt forDay(long epochMillis) {
    long day = Math.floorDiv(epochMillis, 86_400_000L);
    if (day > currentDay) {
      previous = day == currentDay + 1 ? current : null;
      current = new byte[16];
      random.nextBytes(current);
      currentDay = day;
    }
    return new Salt(currentDay, current.clone());
  }

  /** A salt and the UTC day (days since epoch) it belongs to. */
  public record Salt(long day, byte[] bytes) {}
}

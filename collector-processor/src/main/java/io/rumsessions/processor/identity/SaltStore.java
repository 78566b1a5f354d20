package io.rumsessions.processor.identity;

/**
 * Where the daily salts are kept so that they survive a restart and every instance uses the
 * same one: files in a directory ({@link FileSaltStore}) or a Kafka topic in the distributed
 * mode. The first salt stored for a day wins, for every instance.
 */
public interface SaltStore {
  /** The day's salt: the one stored already, or else {@code proposal}, stored. */
  byte[] loadOrCreate(long day, byte[] proposal);

  /** The day's salt if one is stored, else null. */
  byte[] load(long day);

  /** Deletes the salts of the days before {@code oldestKept}. */
  void deleteBefore(long oldestKept);
}

package io.rumsessions.processor.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A random 128-bit salt per UTC day. Only today's and yesterday's salts exist: when the day
 * turns, the salt from two days ago is deleted (memory and disk), so no id can be linked
 * across more than 48 hours.
 *
 * <p>With a directory, salts survive a restart and several processor instances can share
 * them by pointing at the same directory (a shared volume): the first instance to need a
 * day's salt creates {@code salt-<day>} atomically (a hard link, which fails if another
 * instance won the race) and every instance reads the winner's file.
 */
public final class DailySalts {
  private static final Pattern FILE = Pattern.compile("salt-(-?\\d+)");

  private final SecureRandom random;
  private final Path dir;
  private final Map<Long, byte[]> salts = new HashMap<>();
  private volatile long newestDay = Long.MIN_VALUE;

  /** @param dir where salts are kept; null keeps them in memory only */
  public DailySalts(SecureRandom random, Path dir) {
    this.random = random;
    this.dir = dir;
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
      // exists() never touches the disk on the span path.
      if (dir != null && !salts.containsKey(day - 1) && Files.exists(file(day - 1))) {
        salts.put(day - 1, loadOrCreate(day - 1));
      }
    }
    if (day < newestDay - 1) return null;
    byte[] salt = salts.get(day);
    if (salt == null) {
      salt = dir == null ? fresh() : loadOrCreate(day);
      salts.put(day, salt);
    }
    return salt;
  }

  /** Whether the day's salt may still be used (today's or yesterday's); lock-free. */
  public boolean isLive(long day) {
    return day >= newestDay - 1;
  }

  /** Whether a salt for the day exists without creating one (yesterday's may never have been made). */
  public synchronized boolean exists(long day) {
    return salts.containsKey(day);
  }

  private byte[] fresh() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return b;
  }

  private Path file(long day) {
    return dir.resolve("salt-" + day);
  }

  private byte[] loadOrCreate(long day) {
    Path f = file(day);
    try {
      Files.createDirectories(dir);
      if (!Files.exists(f)) {
        Path tmp = Files.createTempFile(dir, "salt-", ".tmp");
        try {
          Files.write(tmp, fresh());
          try {
            Files.createLink(f, tmp);
          } catch (FileAlreadyExistsException lostTheRace) {
            // another instance created it first: use theirs
          } catch (UnsupportedOperationException noLinks) {
            try {
              Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException lostTheRace) {
              // as above
            }
          }
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] b = Files.readAllBytes(f);
      if (b.length != 16) throw new IOException(f + " is not a 16-byte salt");
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the daily salt in " + dir, e);
    }
  }

  private void forgetBefore(long oldestKept) {
    salts.keySet().removeIf(d -> d < oldestKept);
    if (dir == null || !Files.isDirectory(dir)) return;
    try (var files = Files.list(dir)) {
      files.forEach(p -> {
        Matcher m = FILE.matcher(p.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) < oldestKept) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException ignored) {
            // another instance may have deleted it
          }
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

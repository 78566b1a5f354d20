package io.rumsessions.processor.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Salts as files {@code salt-<day>} in a directory, which several instances may share (a shared
 * volume): the first instance to need a day's salt creates the file atomically (a hard link,
 * which fails if another instance won the race) and every instance reads the winner's file.
 */
public final class FileSaltStore implements SaltStore {
  private static final Pattern FILE = Pattern.compile("salt-(-?\\d+)");

  private final Path dir;

  public FileSaltStore(Path dir) {
    this.dir = dir;
  }

  private Path file(long day) {
    return dir.resolve("salt-" + day);
  }

  @Override
  public byte[] load(long day) {
    return Files.exists(file(day)) ? loadOrCreate(day, null) : null;
  }

  @Override
  public byte[] loadOrCreate(long day, byte[] proposal) {
    Path f = file(day);
    try {
      Files.createDirectories(dir);
      if (!Files.exists(f) && proposal != null) {
        Path tmp = Files.createTempFile(dir, "salt-", ".tmp");
        try {
          Files.write(tmp, proposal);
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

  @Override
  public void deleteBefore(long oldestKept) {
    if (!Files.isDirectory(dir)) return;
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

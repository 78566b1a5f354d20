package io.rumsessions.processor.snapshot;

import io.rumsessions.processor.visitors.UniqueVisitors;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The visitor sketches on disk: HLL sketches and Bloom filters, hashes only, no ids. Written
 * at shutdown and every {@code visitors.save-interval} (a crash loses at most that much), by a
 * temporary file and a rename. Unlike the session snapshot it is not deleted when read:
 * sketches merge by union, so reading one twice counts nobody twice.
 */
public final class VisitorsFile {
  private static final int MAGIC = 0x52555656; // "RUVV"
  private static final int VERSION = 1;

  private final Path file;

  public VisitorsFile(Path dir) {
    this.file = dir.resolve("visitors.sketches");
  }

  public Path path() {
    return file;
  }

  public synchronized void write(UniqueVisitors visitors) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      visitors.write(out);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Merges the saved sketches into {@code visitors}; false when there is no file. */
  public boolean readInto(UniqueVisitors visitors, long nowMillis) throws IOException {
    if (!Files.exists(file)) return false;
    readFrom(file, visitors, nowMillis);
    return true;
  }

  /** Merges the sketches of any instance's visitor file into {@code visitors}. */
  public static void readFrom(Path file, UniqueVisitors visitors, long nowMillis) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) throw new IOException(file + " is not a rum-sessions visitor file");
      int version = in.readInt();
      if (version != VERSION) throw new IOException(file + ": unsupported visitor file version " + version);
      visitors.read(in, nowMillis);
    }
  }
}

package io.rumsessions.processor.snapshot;

import io.rumsessions.processor.session.StoredSession;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The restart snapshot: active (and recently ended) sessions as aggregates, in a small
 * versioned binary file. Written to a temporary file and renamed, so a crash mid-write leaves
 * the previous state or none, never half a file. Read once at start and then deleted, so a
 * crash later cannot restore (and count) the same sessions twice.
 */
public final class SnapshotFile {
  private static final int MAGIC = 0x52554d53; // "RUMS"
  private static final int VERSION = 4;

  private final Path file;

  public SnapshotFile(Path dir) {
    this.file = dir.resolve("sessions.snapshot");
  }

  public Path path() {
    return file;
  }

  public void write(List<StoredSession> sessions) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(sessions.size());
      for (StoredSession s : sessions) {
        out.writeUTF(s.service());
        out.writeUTF(s.keyId());
        out.writeInt(s.generation());
        out.writeBoolean(s.ended());
        out.writeLong(s.firstNanos());
        out.writeLong(s.lastNanos());
        out.writeLong(s.lastArrivalMillis());
        out.writeInt(s.pageviews());
        out.writeInt(s.interactions());
        out.writeInt(s.spans());
        out.writeLong(s.landingNanos());
        out.writeLong(s.exitNanos());
        writeNullable(out, s.landingPage());
        writeNullable(out, s.exitPage());
        writeNullable(out, s.device());
        writeNullable(out, s.channel());
        writeNullable(out, s.botReason());
        out.writeBoolean(s.counted());
        writeNullable(out, s.previousId());
        writeNullable(out, s.userId());
        out.writeInt(s.backendRequests());
        out.writeInt(s.backendErrors());
        writeNullable(out, s.source());
        writeNullable(out, s.medium());
        writeNullable(out, s.campaign());
        out.writeInt(s.conversions());
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads and deletes the snapshot; an empty list when there is none. */
  public List<StoredSession> readAndDelete() throws IOException {
    if (!Files.exists(file)) return List.of();
    List<StoredSession> out = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) throw new IOException(file + " is not a rum-sessions snapshot");
      int version = in.readInt();
      if (version != VERSION) throw new IOException(file + ": unsupported snapshot version " + version);
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        out.add(new StoredSession(in.readUTF(), in.readUTF(), in.readInt(), in.readBoolean(),
            in.readLong(), in.readLong(), in.readLong(), in.readInt(), in.readInt(), in.readInt(),
            in.readLong(), in.readLong(), readNullable(in), readNullable(in), readNullable(in), readNullable(in),
            readNullable(in), in.readBoolean(), readNullable(in), readNullable(in), in.readInt(), in.readInt(),
            readNullable(in), readNullable(in), readNullable(in), in.readInt()));
      }
    }
    Files.delete(file);
    return out;
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) out.writeUTF(s);
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}

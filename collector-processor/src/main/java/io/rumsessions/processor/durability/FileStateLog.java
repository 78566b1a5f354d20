package io.rumsessions.processor.durability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The write-ahead log of state changes: records appended to segment files
 * {@code wal-<first position>.log} in {@code state.dir}, each framed as length, CRC32C and
 * payload. A position (log sequence number) is the byte offset of a record's end across all
 * segments, so the checkpoint can say exactly where replay begins.
 *
 * <p>Appends come from one thread at a time (the caller holds the state lock); {@link
 * #awaitDurable} may be called from many: it is a group commit, where one caller's fsync covers
 * every record written before it started and the others, queued behind it, find their record
 * already durable. Reading stops at the first record that is short or whose CRC does not match,
 * a torn last write, and the log continues from there.
 */
public final class FileStateLog implements StateLog {
  private static final System.Logger LOG = System.getLogger(FileStateLog.class.getName());
  private static final int HEADER = 8;
  /**
   * Each segment starts with "RUMW" and the record format's version: a log written by another
   * version is refused at start rather than misread. Bump it whenever a change's encoding changes
   * (a clean shutdown leaves no log to replay, so upgrades after SIGTERM never meet an old one).
   */
  private static final int FILE_MAGIC = 0x52554d57;
  static final int FORMAT_VERSION = 1;
  private static final int FILE_HEADER = 8;
  /** A record larger than this is not one we wrote: the length field itself is torn. */
  static final int MAX_RECORD = 64 << 20;

  private final Path dir;
  private final long segmentBytes;
  private final Object syncLock = new Object();
  private final CRC32C crc = new CRC32C();
  /**
   * The segment being appended to. A {@code RandomAccessFile}, not a {@code FileChannel}: a
   * channel is closed for good when a thread using it is interrupted (a receiver or a timer at
   * shutdown), which would fail the log; file writes and {@code FileDescriptor.sync} are not
   * interruptible.
   */
  private RandomAccessFile file;
  private boolean closed;
  /** Segments rotated away and not yet fsynced, oldest first; guarded by syncLock. */
  private final List<RandomAccessFile> rotated = new ArrayList<>();
  private boolean directoryDirty;
  private byte[] frame = new byte[1 << 16];
  private volatile long segmentStart;
  private volatile long written;
  private volatile long durable;
  private volatile IOException failure;

  private FileStateLog(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Opens the log in {@code dir}, handing every intact record at or after {@code from} to
   * {@code replay} in order, and cuts off a torn tail so that appends continue after the last
   * intact record.
   */
  public static FileStateLog open(Path dir, long from, long segmentBytes, Consumer<ByteBuffer> replay) throws IOException {
    Files.createDirectories(dir);
    FileStateLog log = new FileStateLog(dir, segmentBytes);
    List<Long> starts = log.segments();
    long end = from;
    boolean torn = false;
    for (int i = 0; i < starts.size(); i++) {
      long start = starts.get(i);
      Path file = log.segment(start);
      if (torn) {
        // Nothing after a torn record was ever acknowledged: the writer stops at the first failure.
        Files.delete(file);
        continue;
      }
      long size = Files.size(file);
      if (start + size <= from) continue;
      if (start > end) {
        throw new IOException("state log gap: " + file + " starts at " + start + ", previous segment ended at " + end);
      }
      long intact = readSegment(file, start, from, replay);
      end = start + intact;
      if (intact < size) {
        LOG.log(System.Logger.Level.WARNING, "state log {0}: ignoring a torn record at offset {1} ({2} bytes never acknowledged)",
            file, intact, size - intact);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
          c.truncate(intact);
          c.force(true);
        }
        torn = true;
      }
    }
    log.written = end;
    log.durable = end;
    log.openSegment(end);
    Checkpoints.syncDirectory(dir);
    return log;
  }

  private static long readSegment(Path file, long start, long from, Consumer<ByteBuffer> replay) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = c.size();
      ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C crc = new CRC32C();
      if (size < FILE_HEADER) return 0;
      checkFileHeader(c, file);
      long pos = FILE_HEADER;
      while (pos + HEADER <= size) {
        head.clear();
        if (c.read(head, pos) < HEADER) break;
        int length = head.getInt(0);
        int expected = head.getInt(4);
        if (length <= 0 || length > MAX_RECORD || pos + HEADER + length > size) break;
        ByteBuffer payload = ByteBuffer.allocate(length);
        while (payload.hasRemaining() && c.read(payload, pos + HEADER + payload.position()) > 0) {
          // read until full
        }
        if (payload.hasRemaining()) break;
        crc.reset();
        crc.update(payload.array(), 0, length);
        if ((int) crc.getValue() != expected) break;
        pos += HEADER + length;
        if (start + pos > from) replay.accept(payload.flip());
      }
      return pos;
    }
  }

  /**
   * Appends one record and returns the position after it; the caller passes that to {@link
   * #awaitDurable} before acknowledging what the record holds. Once a write has failed every
   * append fails: what follows a lost record must not be acknowledged either.
   */
  public long append(byte[] payload, int length) throws IOException {
    return append(payload, length, payload, 0);
  }

  /** Appends one record whose payload is {@code first[0, firstLength)} followed by {@code second[0, secondLength)}. */
  @Override
  public long append(byte[] first, int firstLength, byte[] second, int secondLength) throws IOException {
    if (failure != null) throw new IOException("the state log failed earlier", failure);
    try {
      if (written - segmentStart >= segmentBytes) rotate();
      int length = firstLength + secondLength;
      if (length > MAX_RECORD) throw new IllegalArgumentException("state log record of " + length + " bytes");
      crc.reset();
      crc.update(first, 0, firstLength);
      crc.update(second, 0, secondLength);
      // One write per record: header and payload assembled in an array kept for the next record.
      if (frame.length < HEADER + length) frame = new byte[Math.max(HEADER + length, frame.length * 2)];
      ByteBuffer.wrap(frame, 0, HEADER).order(ByteOrder.LITTLE_ENDIAN).putInt(length).putInt((int) crc.getValue());
      System.arraycopy(first, 0, frame, HEADER, firstLength);
      System.arraycopy(second, 0, frame, HEADER + firstLength, secondLength);
      file.write(frame, 0, HEADER + length);
      written += HEADER + length;
      return written;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  /**
   * Reads the records that start at or after {@code from} and end at or before {@code upTo}, in
   * order, while appends go on (for the export queue, which follows the log). {@code from} must
   * be a record boundary; a position before the oldest segment reads from that segment's start.
   */
  @Override
  public void read(long from, long upTo, RecordVisitor visitor) throws IOException {
    List<Long> starts = segments();
    for (int i = 0; i < starts.size(); i++) {
      long start = starts.get(i);
      long next = i + 1 < starts.size() ? starts.get(i + 1) : Long.MAX_VALUE;
      if (next <= from || start >= upTo) continue;
      Path file = segment(start);
      try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
        long pos = Math.max(FILE_HEADER, from - start);
        ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        while (start + pos + HEADER <= upTo) {
          head.clear();
          if (c.read(head, pos) < HEADER) break;
          int length = head.getInt(0);
          if (length <= 0 || length > MAX_RECORD || start + pos + HEADER + length > upTo) break;
          ByteBuffer payload = ByteBuffer.allocate(length);
          while (payload.hasRemaining() && c.read(payload, pos + HEADER + payload.position()) > 0) {
            // read until full
          }
          if (payload.hasRemaining()) break;
          pos += HEADER + length;
          if (!visitor.visit(payload.flip(), start + pos)) return;
        }
      } catch (java.nio.file.NoSuchFileException deleted) {
        // Deleted meanwhile: everything in it was checkpointed and exported.
      }
    }
  }

  /** Returns once everything up to {@code position} is on disk (fsynced). */
  @Override
  public void awaitDurable(long position) throws IOException {
    if (durable >= position) return;
    synchronized (syncLock) {
      if (durable >= position) return;
      if (failure != null) throw new IOException("the state log failed earlier", failure);
      long target = written;
      try {
        syncRotated();
        file.getFD().sync();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (target > durable) durable = target;
    }
  }

  /** Fsyncs what has been written so far (the {@code interval} mode's timer). */
  @Override
  public void sync() throws IOException {
    awaitDurable(written);
  }

  /** The position after the last appended record. */
  @Override
  public long position() {
    return written;
  }

  @Override
  public long durablePosition() {
    return durable;
  }

  /** The first write or fsync error, or null: the log accepts nothing after one. */
  @Override
  public IOException failure() {
    return failure;
  }

  /** Starts a new segment at the current position; called under the state lock, e.g. at a checkpoint. */
  @Override
  public void rotate() throws IOException {
    synchronized (syncLock) {
      // The old segment is fsynced (and the new one's directory entry) by the next awaitDurable
      // or sync, outside the caller's state lock: a rotation must not stall requests for an fsync.
      rotated.add(file);
      openSegment(written);
      directoryDirty = true;
    }
  }

  /** Fsyncs and closes the segments rotated away since the last call, and the directory; under syncLock. */
  private void syncRotated() throws IOException {
    for (RandomAccessFile f : rotated) {
      f.getFD().sync();
      f.close();
    }
    rotated.clear();
    if (directoryDirty) {
      Checkpoints.syncDirectory(dir);
      directoryDirty = false;
    }
  }

  /** Deletes the segments that end at or before {@code position} (a checkpoint covers them). */
  @Override
  public void deleteBefore(long position) throws IOException {
    synchronized (syncLock) {
      deleteSegmentsBefore(position);
    }
  }

  private void deleteSegmentsBefore(long position) throws IOException {
    List<Long> starts = segments();
    for (int i = 0; i + 1 < starts.size(); i++) {
      if (starts.get(i + 1) <= position && starts.get(i + 1) <= segmentStart) Files.deleteIfExists(segment(starts.get(i)));
    }
  }

  /** Bytes in all segments now on disk. */
  @Override
  public long bytesOnDisk() {
    long n = 0;
    for (long s : segmentsQuietly()) {
      try {
        n += Files.size(segment(s));
      } catch (IOException gone) {
        // deleted by a checkpoint meanwhile
      }
    }
    return n;
  }

  private static void checkFileHeader(FileChannel c, Path file) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    if (c.read(h, 0) < FILE_HEADER || h.getInt(0) != FILE_MAGIC) throw new IOException(file + " is not a rum-sessions state log");
    int version = h.getInt(4);
    if (version != FORMAT_VERSION) {
      throw new IOException(file + " was written by a version with state log format " + version + ", this one reads "
          + FORMAT_VERSION + ": start that version to write a checkpoint (SIGTERM), or move the log away to lose what it holds");
    }
  }

  /** Appends go on at {@code start} (a new segment gets its header first). */
  private void openSegment(long start) throws IOException {
    RandomAccessFile f = new RandomAccessFile(segment(start).toFile(), "rw");
    long size = f.length();
    if (size == 0) {
      byte[] h = new byte[FILE_HEADER];
      ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(FILE_MAGIC).putInt(FORMAT_VERSION);
      f.write(h);
      size = FILE_HEADER;
    }
    f.seek(size);
    segmentStart = start;
    written = start + size;
    this.file = f;
  }

  private Path segment(long start) {
    return dir.resolve(String.format("wal-%020d.log", start));
  }

  private List<Long> segments() throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("wal-") && n.endsWith(".log"))
          .forEach(n -> out.add(Long.parseLong(n.substring(4, n.length() - 4))));
    }
    out.sort(null);
    return out;
  }

  private List<Long> segmentsQuietly() {
    try {
      return segments();
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (syncLock) {
      if (!closed) {
        closed = true;
        if (failure == null) {
          syncRotated();
          file.getFD().sync();
        }
        for (RandomAccessFile f : rotated) f.close();
        file.close();
      }
    }
  }
}

package io.rumsessions.processor.durability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The write-ahead log of state changes: records appended to segment files
 * {@code wal-<first position>.log} in {@code state.dir}, each framed as length, CRC32C and
 * payload. A position (log sequence number) is the byte offset of a record's end across all
 * segments, so the checkpoint can say exactly where replay begins.
 *
 * <p>Appends come from one thread at a time (the caller holds the state lock). Durability is a
 * group commit: {@link #whenDurable} queues a request's answer for the log's sync thread, whose
 * one fsync covers every record written before it started (in mode {@code fsync} that thread also
 * writes the records, all in one write: {@link #deferWrites}); {@link #awaitDurable} callers (a
 * scrape, the export queue) queue behind the same lock and find their record durable. Reading
 * stops at the first record that is short or whose CRC does not match, a torn last write, or at a
 * zero length (the unwritten rest of a pre-allocated segment).
 *
 * <p>Segments are pre-allocated: a spare file of zeros the size of a segment is written and
 * fsynced in the background, and a rotation renames it into place. An fsync then only has data
 * blocks to write: appending to a growing file also changes its size and block map, which costs
 * a journal commit on every fsync (on ext4 here: 73–104 against 41–50 µs of CPU a 2 KB fsync).
 *
 * <p>A segment started by a rotation is named {@code wal-<start>.pending} until the segments
 * before it are fsynced (the next group commit renames it). A segment named {@code .log} therefore
 * has everything before it on disk, and a hole before one is lost data (an error at start), while
 * a hole before a {@code .pending} one is the torn tail of a crash: it and what follows were never
 * acknowledged and are dropped. After a restart appends go to a new segment, never after a tail
 * that may be torn.
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

  private static final String SPARE = "wal-spare.ready";
  private static final String SPARE_IN_PROGRESS = "wal-spare.tmp";
  /** Room past segmentBytes: the record that crosses it still lands in allocated blocks. */
  private static final long PREALLOCATED_SLACK = 1L << 20;
  private static final long SPARE_SYNC_EVERY = 4L << 20;
  /** The buffer of deferred writes kept between fsyncs; a larger one (a burst) is let go after its write. */
  private static final int KEEP_UNWRITTEN = 1 << 18;

  private final Path dir;
  private final long segmentBytes;
  private final boolean preallocate;
  /** The spare segment being written, or null; guarded by syncLock. */
  private Thread spareWriter;
  /** Segments named .pending (rotated or current), renamed once those before them are fsynced; under syncLock. */
  private final List<Long> pending = new ArrayList<>();
  /** Guards the segment fields (file, rotated, pending, spareWriter) for short moments; never held across an fsync. */
  private final Object syncLock = new Object();
  /** Held by whoever fsyncs: one fsync at a time, and the others wait for it to cover them. */
  private final Object syncOrder = new Object();
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
  /** A rotation used the spare: the next fsync starts writing another (see startSegment). */
  private volatile boolean spareWanted;
  private byte[] frame = new byte[1 << 16];
  /** See {@link #deferWrites}. */
  private volatile boolean deferWrites;
  /** Records appended and not yet written to the segment (when writes are deferred); guarded by syncLock. */
  private byte[] unwritten = new byte[KEEP_UNWRITTEN];
  private int unwrittenLength;
  private volatile long segmentStart;
  private volatile long written;
  private volatile long durable;
  private volatile IOException failure;
  private volatile CommitDelay commitDelay = CommitDelay.NONE;
  /** Told how long each group commit's fsyncs took, in nanoseconds. */
  private volatile LongConsumer syncTimer = nanos -> {};
  private volatile long records;
  private volatile long syncs;
  /** Records waiting for an fsync before their requests are answered ({@link #whenDurable}); guarded by itself. */
  private final java.util.ArrayDeque<Waiter> waiters = new java.util.ArrayDeque<>();
  /** Makes the fsyncs {@link #whenDurable} waits for; started by the first one, stopped by close. */
  private volatile Thread syncer;
  private boolean stopping;

  private record Waiter(long position, Durable then) {}

  private FileStateLog(Path dir, long segmentBytes, boolean preallocate) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.preallocate = preallocate;
  }

  /** A segment file: where it starts in the log, and whether it still waits for its predecessors' fsync. */
  private record Segment(long start, boolean pending) {}

  /** Opens a log whose segments grow as they are written (tests; see the pre-allocating overload). */
  public static FileStateLog open(Path dir, long from, long segmentBytes, Consumer<ByteBuffer> replay) throws IOException {
    return open(dir, from, segmentBytes, false, replay);
  }

  /**
   * Opens the log in {@code dir}, handing every intact record at or after {@code from} to
   * {@code replay} in order; appends go on in a new segment after the last intact record.
   */
  public static FileStateLog open(Path dir, long from, long segmentBytes, boolean preallocate, Consumer<ByteBuffer> replay)
      throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(SPARE_IN_PROGRESS));
    FileStateLog log = new FileStateLog(dir, segmentBytes, preallocate);
    long end = from;
    boolean dropping = false;
    List<Segment> read = new ArrayList<>();
    for (Segment s : log.segments()) {
      Path file = log.path(s);
      if (dropping) {
        Files.delete(file);
        continue;
      }
      long size = Files.size(file);
      if (s.start() + size <= from) continue;
      if (s.start() != end && !(read.isEmpty() && s.start() < end)) {
        if (s.pending() && s.start() > end) {
          // Its predecessor was not fsynced up to it: nothing from here on was acknowledged.
          LOG.log(System.Logger.Level.WARNING, "state log: dropping {0} and later segments: the crash tore the log before them "
              + "at position {1}, and nothing after that was acknowledged", file, end);
          Files.delete(file);
          dropping = true;
          continue;
        }
        throw new IOException("state log gap: " + file + " starts at " + s.start() + ", previous segment ended at " + end);
      }
      long intact = readSegment(file, s.start(), from, replay);
      if (intact == 0) {
        // Created but its header never written (a crash right after): it holds nothing.
        Files.delete(file);
        continue;
      }
      end = s.start() + intact;
      read.add(s);
      if (intact < size && !zeroAt(file, intact)) {
        LOG.log(System.Logger.Level.WARNING, "state log {0}: ignoring a torn record at offset {1} (never acknowledged)", file, intact);
      }
    }
    // What was replayed is made durable before anything new follows it, and then named as such.
    for (int i = 0; i < read.size(); i++) {
      Segment s = read.get(i);
      if (s.pending() || i == read.size() - 1) {
        try (FileChannel c = FileChannel.open(log.path(s), StandardOpenOption.WRITE)) {
          c.force(true);
        }
      }
      if (s.pending()) Files.move(log.path(s), log.segment(s.start()), StandardCopyOption.ATOMIC_MOVE);
    }
    log.written = end;
    log.durable = end;
    if (preallocate && !Files.exists(dir.resolve(SPARE))) log.writeSpare();
    log.startSegment(end, false);
    Checkpoints.syncDirectory(dir);
    return log;
  }

  /** Whether the record header at {@code offset} is zeros: the unwritten rest of a pre-allocated segment. */
  private static boolean zeroAt(Path file, long offset) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(HEADER);
      c.read(b, offset);
      for (int i = 0; i < b.position(); i++) if (b.get(i) != 0) return false;
      return true;
    }
  }

  private static long readSegment(Path file, long start, long from, Consumer<ByteBuffer> replay) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = c.size();
      ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C crc = new CRC32C();
      if (size < FILE_HEADER || !checkFileHeader(c, file)) return 0;
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
      int crcValue = (int) crc.getValue();
      if (deferWrites) {
        // Copied for the thread that fsyncs, which writes them all at once: no write per request.
        synchronized (syncLock) {
          if (unwritten.length < unwrittenLength + HEADER + length) {
            unwritten = java.util.Arrays.copyOf(unwritten, Math.max(unwrittenLength + HEADER + length, unwritten.length * 2));
          }
          frame(unwritten, unwrittenLength, length, crcValue, first, firstLength, second, secondLength);
          unwrittenLength += HEADER + length;
          written += HEADER + length;
        }
      } else {
        // One write per record: header and payload assembled in an array kept for the next record.
        if (frame.length < HEADER + length) frame = new byte[Math.max(HEADER + length, frame.length * 2)];
        frame(frame, 0, length, crcValue, first, firstLength, second, secondLength);
        file.write(frame, 0, HEADER + length);
        written += HEADER + length;
      }
      records++;
      return written;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  /** A record (length, CRC, payload) into {@code to} at {@code at}. */
  private static void frame(byte[] to, int at, int length, int crc, byte[] first, int firstLength, byte[] second, int secondLength) {
    ByteBuffer.wrap(to, at, HEADER).order(ByteOrder.LITTLE_ENDIAN).putInt(length).putInt(crc);
    System.arraycopy(first, 0, to, at + HEADER, firstLength);
    System.arraycopy(second, 0, to, at + HEADER + firstLength, secondLength);
  }

  /**
   * Writes the records appended since the last write to the segment (see {@link #deferWrites});
   * under syncLock, which keeps them in order with a rotation.
   */
  private void writeUnwritten() throws IOException {
    if (unwrittenLength == 0) return;
    try {
      file.write(unwritten, 0, unwrittenLength);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    unwrittenLength = 0;
    // A burst's buffer is not kept for good.
    if (unwritten.length > KEEP_UNWRITTEN) unwritten = new byte[KEEP_UNWRITTEN];
  }

  /**
   * Reads the records that start at or after {@code from} and end at or before {@code upTo}, in
   * order, while appends go on (for the export queue, which follows the log). {@code from} must
   * be a record boundary; a position before the oldest segment reads from that segment's start.
   */
  @Override
  public void read(long from, long upTo, RecordVisitor visitor) throws IOException {
    synchronized (syncLock) {
      writeUnwritten();
    }
    List<Segment> segments = segments();
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      long start = s.start();
      long next = i + 1 < segments.size() ? segments.get(i + 1).start() : Long.MAX_VALUE;
      if (next <= from || start >= upTo) continue;
      try (FileChannel c = openForReading(s)) {
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

  /**
   * Appends copy each record into memory, and the thread that fsyncs writes them all with one
   * write just before its fsync, instead of a write per record on the request's thread. Only for
   * mode {@code fsync}, where nothing is acknowledged before that fsync: a record not yet written
   * is lost by a crash, with the request that is still waiting for it. In the other modes a
   * record must reach the kernel before its request is answered (it then survives a kill -9).
   */
  public void deferWrites() {
    this.deferWrites = true;
  }

  /** Lets the thread that fsyncs wait for records about to be appended (see {@link CommitDelay}). */
  public void commitDelay(CommitDelay delay) {
    this.commitDelay = delay;
  }

  /** Tells {@code timer} how long each group commit's fsyncs take, in nanoseconds (on the thread that fsyncs). */
  public void timeSyncs(LongConsumer timer) {
    this.syncTimer = timer;
  }

  /** Returns once everything up to {@code position} is on disk (fsynced). */
  @Override
  public void awaitDurable(long position) throws IOException {
    awaitDurable(position, commitDelay);
  }

  private void awaitDurable(long position, CommitDelay delay) throws IOException {
    if (durable >= position) return;
    synchronized (syncOrder) {
      if (durable >= position) return;
      if (failure != null) throw new IOException("the state log failed earlier", failure);
      // The others queue behind syncOrder meanwhile; the fsync below covers what they append. No
      // syncLock is held while waiting or fsyncing: a rotation (under the state lock, every
      // segment and at each checkpoint) takes it, and would hold every request up that long.
      delay.await();
      Synced s;
      try {
        synchronized (syncLock) {
          s = toSync();
        }
        sync(s);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (s.position() > durable) durable = s.position();
      if (spareWanted) {
        synchronized (syncLock) {
          spareWanted = false;
          startSpareWriter();
        }
      }
    }
  }

  /** What one fsync covers: taken under syncLock, written out after it. */
  private record Synced(long position, RandomAccessFile current, List<RandomAccessFile> rotated, List<Long> pending,
      boolean directoryDirty) {}

  /** Writes what was appended and takes what the next fsync covers off the segment fields; under syncLock. */
  private Synced toSync() throws IOException {
    writeUnwritten();
    Synced s = new Synced(written, file, List.copyOf(rotated), List.copyOf(pending), directoryDirty);
    rotated.clear();
    pending.clear();
    directoryDirty = false;
    return s;
  }

  /**
   * Fsyncs and closes the segments rotated away, gives the pending segments their final names
   * (everything before them is on disk now), fsyncs the directory if it changed, then the current
   * segment; under syncOrder.
   */
  private void sync(Synced s) throws IOException {
    long started = System.nanoTime();
    for (RandomAccessFile f : s.rotated()) {
      f.getFD().sync();
      f.close();
    }
    if (!s.pending().isEmpty()) {
      synchronized (syncLock) {
        for (long start : s.pending()) {
          try {
            Files.move(pendingPath(start), segment(start), StandardCopyOption.ATOMIC_MOVE);
          } catch (java.nio.file.NoSuchFileException deleted) {
            // covered by a checkpoint and deleted meanwhile
          }
        }
      }
    }
    if (s.directoryDirty() || !s.pending().isEmpty()) Checkpoints.syncDirectory(dir);
    dataSync(s.current());
    syncs++;
    syncTimer.accept(System.nanoTime() - started);
  }

  /**
   * fdatasync, as PostgreSQL's WAL ({@code wal_sync_method=fdatasync}) and etcd's are synced: the
   * records' data, and the metadata needed to read it back (a segment that grew: its size), but not
   * the modification time alone. A pre-allocated segment's records change nothing else, so the
   * inode is not written on every group commit (on this VM's ext4 that was a second write and a
   * tenth of the fsync's CPU). {@code FileChannel.force} closes the channel, and with it the
   * file, if its thread is interrupted: only the log's own sync thread, which nothing interrupts,
   * uses it; any other caller fsyncs.
   */
  private void dataSync(RandomAccessFile f) throws IOException {
    if (Thread.currentThread() == syncer) f.getChannel().force(false);
    else f.getFD().sync();
  }

  /**
   * Queues {@code then} for the log's sync thread, which fsyncs on behalf of every record waiting
   * (after the commit delay, as a blocking caller would) and then calls each one's {@code then}:
   * no receiver thread waits for the disk, and every request that arrived while one fsync ran is
   * covered by the next.
   */
  @Override
  public void whenDurable(long position, Durable then) {
    if (durable >= position) {
      then.done(null);
      return;
    }
    synchronized (waiters) {
      if (!stopping) {
        waiters.add(new Waiter(position, then));
        if (syncer == null) {
          syncer = new Thread(this::syncWaiters, "state-log-sync");
          syncer.setDaemon(true);
          syncer.start();
        }
        waiters.notify();
        return;
      }
    }
    // Closing: the caller waits for its own fsync (close makes it at the latest).
    StateLog.super.whenDurable(position, then);
  }

  /** The sync thread: one fsync for all the records waiting, then their answers, until closed. */
  private void syncWaiters() {
    List<Waiter> ready = new ArrayList<>();
    while (true) {
      long upTo = 0;
      synchronized (waiters) {
        while (waiters.isEmpty() && !stopping) {
          try {
            waiters.wait();
          } catch (InterruptedException e) {
            // Only close stops this thread.
          }
        }
        if (waiters.isEmpty()) return;
        for (Waiter w : waiters) upTo = Math.max(upTo, w.position());
      }
      IOException failed = null;
      try {
        awaitDurable(upTo, commitDelay);
      } catch (IOException e) {
        failed = e;
      }
      synchronized (waiters) {
        for (java.util.Iterator<Waiter> i = waiters.iterator(); i.hasNext(); ) {
          Waiter w = i.next();
          if (failed != null || w.position() <= durable) {
            ready.add(w);
            i.remove();
          }
        }
      }
      for (Waiter w : ready) {
        try {
          w.then().done(failed);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "answering a request after its fsync failed", e);
        }
      }
      ready.clear();
    }
  }

  /** Fsyncs what has been written so far (the {@code interval} mode's timer). */
  @Override
  public void sync() throws IOException {
    awaitDurable(written, CommitDelay.NONE);
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
      // What it holds is written to it first.
      writeUnwritten();
      rotated.add(file);
      startSegment(written, true);
      directoryDirty = true;
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
    List<Segment> segments = segments();
    for (int i = 0; i + 1 < segments.size(); i++) {
      long next = segments.get(i + 1).start();
      if (next <= position && next <= segmentStart) Files.deleteIfExists(path(segments.get(i)));
    }
  }

  @Override
  public long records() {
    return records;
  }

  @Override
  public long syncs() {
    return syncs;
  }

  /**
   * Bytes of log from the oldest segment kept to the last record: what a start would read at
   * most. Pre-allocated zeros after the last record, and the spare, are not counted: they are up
   * to two segments' size of disk ({@code segmentBytes} + 1 MiB each) whatever the log holds.
   */
  @Override
  public long bytesOnDisk() {
    try {
      List<Segment> segments = segments();
      return segments.isEmpty() ? 0 : Math.max(0, written - segments.get(0).start());
    } catch (IOException e) {
      return 0;
    }
  }

  /** Checks a segment's header; false when it is zeros (created, header not yet written). */
  private static boolean checkFileHeader(FileChannel c, Path file) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    if (c.read(h, 0) < FILE_HEADER) return false;
    if (h.getLong(0) == 0) return false;
    if (h.getInt(0) != FILE_MAGIC) throw new IOException(file + " is not a rum-sessions state log");
    int version = h.getInt(4);
    if (version != FORMAT_VERSION) {
      throw new IOException(file + " was written by a version with state log format " + version + ", this one reads "
          + FORMAT_VERSION + ": start that version to write a checkpoint (SIGTERM), or move the log away to lose what it holds");
    }
    return true;
  }

  /**
   * Appends go on in a new segment at {@code start}: the spare renamed into place when one is
   * ready (its header is written already), else a new file; a pending one when segments before
   * it may not be on disk yet.
   */
  private void startSegment(long start, boolean asPending) throws IOException {
    Path target = asPending ? pendingPath(start) : segment(start);
    Path spare = dir.resolve(SPARE);
    RandomAccessFile f;
    if (preallocate && spareWriter == null && Files.exists(spare)) {
      Files.move(spare, target, StandardCopyOption.ATOMIC_MOVE);
      f = new RandomAccessFile(target.toFile(), "rw");
    } else {
      f = new RandomAccessFile(target.toFile(), "rw");
      f.setLength(0);
      f.write(fileHeader());
    }
    f.seek(FILE_HEADER);
    if (asPending) pending.add(start);
    segmentStart = start;
    written = start + FILE_HEADER;
    this.file = f;
    // At open, the next spare is started now; after a rotation (under the state lock), by the
    // next fsync: a thread started here would take the core from the lock's holder on one core.
    if (preallocate && !asPending) startSpareWriter();
    spareWanted = preallocate && asPending;
  }

  private static byte[] fileHeader() {
    byte[] h = new byte[FILE_HEADER];
    ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(FILE_MAGIC).putInt(FORMAT_VERSION);
    return h;
  }

  /** Writes the next spare in the background, off the request path (a rotation holds the state lock). */
  private void startSpareWriter() {
    if (spareWriter != null || closed) return;
    Thread t = new Thread(() -> {
      try {
        writeSpare();
      } catch (IOException e) {
        // Only speed is lost: the next segment grows as it is written.
        LOG.log(System.Logger.Level.WARNING, "could not pre-allocate the next state log segment", e);
      } finally {
        synchronized (syncLock) {
          spareWriter = null;
        }
      }
    }, "state-log-spare");
    t.setDaemon(true);
    spareWriter = t;
    t.start();
  }

  /** A segment's header followed by zeros, fsynced, then named as the spare. */
  private void writeSpare() throws IOException {
    Path tmp = dir.resolve(SPARE_IN_PROGRESS);
    try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
      f.setLength(0);
      f.write(fileHeader());
      byte[] zeros = new byte[1 << 20];
      long sinceSync = 0;
      for (long left = segmentBytes + PREALLOCATED_SLACK - FILE_HEADER; left > 0; left -= zeros.length) {
        f.write(zeros, 0, (int) Math.min(zeros.length, left));
        // In slices, as the checkpoint does: the log's own fsync then never waits behind a whole
        // segment of zeros in the file system's journal.
        if ((sinceSync += zeros.length) >= SPARE_SYNC_EVERY) {
          f.getFD().sync();
          sinceSync = 0;
        }
      }
      f.getFD().sync();
    }
    Files.move(tmp, dir.resolve(SPARE), StandardCopyOption.ATOMIC_MOVE);
  }

  private Path segment(long start) {
    return dir.resolve(String.format("wal-%020d.log", start));
  }

  private Path pendingPath(long start) {
    return dir.resolve(String.format("wal-%020d.pending", start));
  }

  private Path path(Segment s) {
    return s.pending() ? pendingPath(s.start()) : segment(s.start());
  }

  /** A segment listed as pending may have been renamed since (a group commit): then by its final name. */
  private FileChannel openForReading(Segment s) throws IOException {
    try {
      return FileChannel.open(path(s), StandardOpenOption.READ);
    } catch (java.nio.file.NoSuchFileException renamed) {
      if (!s.pending()) throw renamed;
      return FileChannel.open(segment(s.start()), StandardOpenOption.READ);
    }
  }

  /** Every segment, final and pending, in log order. */
  private List<Segment> segments() throws IOException {
    List<Segment> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("wal-") && (n.endsWith(".log") || n.endsWith(".pending")) && !n.startsWith("wal-spare"))
          .forEach(n -> out.add(new Segment(Long.parseLong(n.substring(4, n.lastIndexOf('.'))), n.endsWith(".pending"))));
    }
    out.sort(java.util.Comparator.comparingLong(Segment::start));
    return out;
  }

  @Override
  public void close() throws IOException {
    // The records still waiting are fsynced and answered first.
    Thread sync;
    synchronized (waiters) {
      stopping = true;
      sync = syncer;
      waiters.notifyAll();
    }
    joinQuietly(sync);
    Thread writingSpare;
    synchronized (syncOrder) {
      Synced last = null;
      synchronized (syncLock) {
        writingSpare = spareWriter;
        if (closed) return;
        closed = true;
        if (failure == null) last = toSync();
      }
      if (last != null) {
        sync(last);
        durable = Math.max(durable, last.position());
      }
      synchronized (syncLock) {
        for (RandomAccessFile f : rotated) f.close();
        file.close();
      }
    }
    // The spare is finished, not left writing into a directory that may be deleted next.
    joinQuietly(writingSpare);
  }

  /** Waits up to 10 s for {@code t} (if any) to end; an interrupt is kept for the caller. */
  private static void joinQuietly(Thread t) {
    if (t == null) return;
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.rumsessions.processor.durability;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.metrics.ClassicHistogram;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.session.StoredSession;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The checkpoint file {@code state.dir/checkpoint}: a versioned binary file with a CRC32C over
 * all of it, written to a temporary file, fsynced, renamed over the old one and the directory
 * fsynced, so a crash at any moment leaves the old checkpoint or the new one, whole. Sessions
 * are aggregates with paths (no query strings); ids only as the consent rules allow. The session
 * store's sessions are written as its columns ({@link SessionStore.Frozen#write}), read back
 * into the same columns at restart; a collection of {@link StoredSession}s built otherwise is
 * written a record each.
 */
public final class Checkpoints implements CheckpointStore {
  private static final int MAGIC = 0x52554d43; // "RUMC"
  /** 4: sessions as the store's columns (version 3 wrote an object per session). */
  private static final int VERSION = 4;
  /** Requests always on their way: what a checkpoint is paced against until told otherwise. */
  private static final RequestTraffic ALWAYS_BUSY = new RequestTraffic() {
    @Override
    public int onTheirWay() {
      return 1;
    }

    @Override
    public long arrivals() {
      return 0;
    }
  };
  /** Still read, so that a processor upgraded in place starts from the checkpoint it left. */
  private static final int VERSION_RECORDS_ONLY = 3;
  /** How the sessions are written: as the session store's tables, or one record per session. */
  private static final int TABLES = 1, RECORDS = 2;
  /** Magic, version and the body's length come first; the body's CRC32C last. */
  private static final int HEADER = 16;
  /**
   * While the file is written, its data is forced to disk every this many bytes: a single fsync
   * of hundreds of MB at the end would hold every state-log fsync behind it (on ext4 a journal
   * commit waits for the data of the files it orders), stalling acknowledgements for a second
   * or more. In slices, a log fsync waits for at most one slice.
   */
  private static final long SYNC_EVERY = 4L << 20;
  /** Any count larger than this in a file is corruption, not state. */
  private static final int MAX_COUNT = 1 << 28;

  private final Path file;
  /** {@code state.checkpoint-cpu-share}: 1 writes at full speed. */
  private final double cpuShare;
  /** Set once the process is stopping: the checkpoint being written, and any after, go at full speed. */
  private volatile boolean hurried;
  /** The requests coming in; the writer is paced only while they come. Until told, always paced. */
  private volatile RequestTraffic traffic = ALWAYS_BUSY;

  /** Checkpoints written at full speed. */
  public Checkpoints(Path dir) {
    this(dir, 1);
  }

  /** @param cpuShare the share of a core a checkpoint's writer may use on average (see {@link CheckpointPacer}) */
  public Checkpoints(Path dir, double cpuShare) {
    this.file = dir.resolve("checkpoint");
    this.cpuShare = cpuShare;
  }

  @Override
  public void hurry() {
    hurried = true;
  }

  @Override
  public void paceAgainst(RequestTraffic traffic) {
    this.traffic = traffic;
  }

  public Path path() {
    return file;
  }

  @Override
  public String describe() {
    return file.toString();
  }

  @Override
  public void write(Checkpoint c) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("checkpoint.tmp");
    CRC32C crc = new CRC32C();
    long bodyLength;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      BooleanSupplier came = traffic.cameSinceAsked();
      OutputStream raw = new SlicedSyncStream(ch,
          CheckpointPacer.forCurrentThread(cpuShare, () -> came.getAsBoolean() && !hurried));
      raw.write(new byte[HEADER]);
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(raw, crc), 1 << 16));
      writeBody(out, c);
      out.flush();
      bodyLength = out.size();
      // The CRC covers the body; written unchecked, after the flush.
      new DataOutputStream(raw).writeInt((int) crc.getValue());
      ch.write(java.nio.ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(VERSION).putLong(bodyLength).flip(), 0);
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(file.getParent());
  }

  /** A checkpoint as bytes laid out as the file is (header, body, CRC32C), for stores that are not files. */
  public static byte[] encode(Checkpoint c) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(1 << 16);
    bytes.write(new byte[HEADER]);
    CRC32C crc = new CRC32C();
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(bytes, crc));
    writeBody(out, c);
    out.flush();
    long bodyLength = out.size();
    new DataOutputStream(bytes).writeInt((int) crc.getValue());
    byte[] all = bytes.toByteArray();
    java.nio.ByteBuffer.wrap(all, 0, HEADER).putInt(MAGIC).putInt(VERSION).putLong(bodyLength);
    return all;
  }

  /** Reads what {@link #encode} wrote; {@code name} says where it came from in errors. */
  public static Checkpoint decode(InputStream raw, long size, String name) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream head = new DataInputStream(raw);
    if (head.readInt() != MAGIC) throw new IOException(name + " is not a rum-sessions checkpoint");
    int version = head.readInt();
    if (version != VERSION && version != VERSION_RECORDS_ONLY) {
      throw new IOException(name + ": unsupported checkpoint version " + version);
    }
    long bodyLength = head.readLong();
    if (bodyLength < 0 || bodyLength + HEADER + 4 != size) throw new IOException(name + ": truncated checkpoint");
    // The checksum is taken as the body is read, a buffer at a time, and the read-ahead never
    // passes the body's end, so the stored CRC after it is read from the raw stream.
    DataInputStream in = new DataInputStream(new BufferedInputStream(
        new CheckedInputStream(new LimitedInputStream(raw, bodyLength), crc), 1 << 16));
    Checkpoint c = readBody(in, version);
    if (in.read() != -1) throw new IOException(name + ": checkpoint body longer than its contents");
    int expected = (int) crc.getValue();
    int stored = head.readInt();
    if (stored != expected) throw new IOException(name + ": checksum mismatch, the checkpoint is damaged");
    return c;
  }

  @Override
  public Checkpoint read() throws IOException {
    if (!Files.exists(file)) return null;
    try (InputStream raw = Files.newInputStream(file)) {
      return decode(raw, Files.size(file), file.toString());
    }
  }

  private static void writeBody(DataOutputStream out, Checkpoint c) throws IOException {
    out.writeLong(c.position());
    if (c.sessions() instanceof SessionStore.Frozen tables) {
      out.writeByte(TABLES);
      tables.write(out);
    } else {
      out.writeByte(RECORDS);
      out.writeInt(c.sessions().size());
      for (StoredSession s : c.sessions()) writeSession(out, s);
    }
    writeMetrics(out, c.metrics());
    out.writeBoolean(c.visitors() != null);
    if (c.visitors() != null) {
      out.writeInt(c.visitors().length);
      out.write(c.visitors());
    }
    // Straight from the pages: picking them out into an array first allocated 8 MB a checkpoint.
    out.writeInt(c.recentSpans().size());
    c.recentSpans().forEach(out::writeLong);
    out.writeInt(c.lastNonDirect().size());
    for (LastNonDirect.Entry e : c.lastNonDirect()) {
      out.writeLong(e.visitor());
      out.writeLong(e.atMillis());
      out.writeUTF(e.attribution().source());
      out.writeUTF(e.attribution().medium());
      out.writeUTF(e.attribution().campaign());
      out.writeUTF(e.attribution().channelLabel());
    }
  }

  private static Checkpoint readBody(DataInputStream in, int version) throws IOException {
    long position = in.readLong();
    java.util.Collection<StoredSession> sessions;
    // Version 3 had no kind: its sessions were records.
    int kind = version == VERSION_RECORDS_ONLY ? RECORDS : in.readUnsignedByte();
    if (kind == TABLES) {
      sessions = SessionStore.Frozen.read(in);
    } else if (kind == RECORDS) {
      int n = count(in);
      List<StoredSession> records = new ArrayList<>(Math.min(n, 1 << 20));
      for (int i = 0; i < n; i++) records.add(readSession(in));
      sessions = records;
    } else {
      throw new IOException("checkpoint: unknown kind of sessions " + kind);
    }
    SavedMetrics metrics = readMetrics(in);
    byte[] visitors = null;
    if (in.readBoolean()) {
      visitors = new byte[count(in)];
      in.readFully(visitors);
    }
    long[] recent = new long[count(in)];
    for (int i = 0; i < recent.length; i++) recent[i] = in.readLong();
    int visitors2 = count(in);
    List<LastNonDirect.Entry> lastNonDirect = new ArrayList<>(Math.min(visitors2, 1 << 16));
    for (int i = 0; i < visitors2; i++) {
      long visitor = in.readLong();
      long at = in.readLong();
      lastNonDirect.add(new LastNonDirect.Entry(visitor, new Attribution(in.readUTF(), in.readUTF(), in.readUTF(),
          Attribution.NOT_SET, Attribution.NOT_SET, Channel.fromLabel(in.readUTF())), at));
    }
    return new Checkpoint(position, sessions, metrics, visitors, RecentSpans.Snapshot.of(recent), lastNonDirect);
  }

  /** Writes to a file channel, forcing its data to disk every {@link #SYNC_EVERY} bytes. */
  private static final class SlicedSyncStream extends OutputStream {
    private final FileChannel ch;
    private final CheckpointPacer pacer;
    private long unsynced;

    SlicedSyncStream(FileChannel ch, CheckpointPacer pacer) {
      this.ch = ch;
      this.pacer = pacer;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) ch.write(buf);
      unsynced += len;
      if (unsynced >= SYNC_EVERY) {
        ch.force(false);
        unsynced = 0;
      }
      // A buffer's worth (64 KB) of the encoding and its write happened just before.
      pacer.pace();
    }
  }

  /** The first {@code limit} bytes of a stream. */
  private static final class LimitedInputStream extends java.io.FilterInputStream {
    private long left;

    LimitedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) return -1;
      int b = super.read();
      if (b >= 0) left--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) return -1;
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) left -= n;
      return n;
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_COUNT) throw new IOException("checkpoint: implausible count " + n);
    return n;
  }

  private static void writeMetrics(DataOutputStream out, SavedMetrics m) throws IOException {
    out.writeInt(m.counters().size());
    for (SavedMetrics.CounterValue v : m.counters()) {
      out.writeUTF(v.name());
      writeLabels(out, v.labels());
      out.writeDouble(v.value());
    }
    out.writeInt(m.histograms().size());
    for (Map.Entry<String, List<ClassicHistogram.Saved>> e : m.histograms().entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().size());
      for (ClassicHistogram.Saved s : e.getValue()) {
        writeLabels(out, s.labels());
        out.writeInt(s.counts().length);
        for (long c : s.counts()) out.writeLong(c);
        out.writeDouble(s.sum());
      }
    }
  }

  private static SavedMetrics readMetrics(DataInputStream in) throws IOException {
    int n = count(in);
    List<SavedMetrics.CounterValue> counters = new ArrayList<>();
    for (int i = 0; i < n; i++) counters.add(new SavedMetrics.CounterValue(in.readUTF(), readLabels(in), in.readDouble()));
    int h = count(in);
    Map<String, List<ClassicHistogram.Saved>> histograms = new HashMap<>();
    for (int i = 0; i < h; i++) {
      String name = in.readUTF();
      int cells = count(in);
      List<ClassicHistogram.Saved> saved = new ArrayList<>();
      for (int j = 0; j < cells; j++) {
        List<String> labels = readLabels(in);
        long[] counts = new long[count(in)];
        for (int k = 0; k < counts.length; k++) counts[k] = in.readLong();
        saved.add(new ClassicHistogram.Saved(labels, counts, in.readDouble()));
      }
      histograms.put(name, saved);
    }
    return new SavedMetrics(counters, histograms);
  }

  private static void writeLabels(DataOutputStream out, List<String> labels) throws IOException {
    out.writeByte(labels.size());
    for (String l : labels) out.writeUTF(l);
  }

  private static List<String> readLabels(DataInputStream in) throws IOException {
    int n = in.readUnsignedByte();
    List<String> labels = new ArrayList<>(n);
    for (int i = 0; i < n; i++) labels.add(in.readUTF());
    return labels;
  }

  static void writeSession(DataOutputStream out, StoredSession s) throws IOException {
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

  static StoredSession readSession(DataInputStream in) throws IOException {
    return new StoredSession(in.readUTF(), in.readUTF(), in.readInt(), in.readBoolean(),
        in.readLong(), in.readLong(), in.readLong(), in.readInt(), in.readInt(), in.readInt(),
        in.readLong(), in.readLong(), readNullable(in), readNullable(in), readNullable(in), readNullable(in),
        readNullable(in), in.readBoolean(), readNullable(in), readNullable(in), in.readInt(), in.readInt(),
        readNullable(in), readNullable(in), readNullable(in), in.readInt());
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) out.writeUTF(s);
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  /** Makes a rename or a new file in {@code dir} durable (POSIX: fsync the directory). */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}

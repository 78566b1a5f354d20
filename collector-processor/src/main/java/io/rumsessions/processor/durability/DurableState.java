package io.rumsessions.processor.durability;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.config.StateConfig;
import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.visitors.UniqueVisitors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes acknowledged state recoverable: the state lock under which a request's changes are
 * applied and logged, the group-committed wait before the acknowledgement, checkpoints, and
 * recovery at start (checkpoint, then the log after it).
 *
 * <p>One request changes the state at a time. The receivers decode in parallel; only the
 * session part is serialised, which costs nothing per CPU-second and keeps the log's order the
 * order of the changes (bench/RESULTS.md measures it).
 */
public final class DurableState implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DurableState.class.getName());
  private static final long SEGMENT_BYTES = 16L << 20;

  private final StateConfig config;
  private final StateChanges changes;
  private final SessionStore sessions;
  private final RumMetrics metrics;
  private final UniqueVisitors visitors;
  private final RecentSpans recent;
  private final LastNonDirect lastNonDirect;
  private final CheckpointStore checkpoints;
  private final LogOpener logOpener;
  private final ReentrantLock lock = new ReentrantLock();
  private StateLog log;
  private volatile long lastCheckpointPosition;
  private volatile long lastCheckpointMillis = System.currentTimeMillis();
  private volatile boolean restoredFromCheckpoint;
  /** The export queue's cursor; segments before it and before the checkpoint may go. */
  private volatile long exportedPosition = Long.MAX_VALUE;
  private Counter checkpointsTotal;
  /** How long the last checkpoint held the state lock (requests wait that long). */
  private volatile long lastPauseNanos;
  /** How long the last checkpoint took to write, lock to file (paced: several times its CPU time). */
  private volatile long lastWriteNanos;

  public DurableState(StateConfig config, StateChanges changes, SessionStore sessions, RumMetrics metrics,
      UniqueVisitors visitors, RecentSpans recent, LastNonDirect lastNonDirect) {
    this(config, changes, sessions, metrics, visitors, recent, lastNonDirect, new Checkpoints(config.dir(), config.checkpointCpuShare()),
        (from, replay) -> FileStateLog.open(config.dir(), from, SEGMENT_BYTES, true, replay));
  }

  /** Opens the log after a checkpoint's position, handing every record after it to {@code replay}. */
  @FunctionalInterface
  public interface LogOpener {
    StateLog open(long from, java.util.function.Consumer<java.nio.ByteBuffer> replay) throws IOException;
  }

  /** With the checkpoints and the log kept elsewhere than in {@code state.dir} (the distributed mode's stores). */
  public DurableState(StateConfig config, StateChanges changes, SessionStore sessions, RumMetrics metrics,
      UniqueVisitors visitors, RecentSpans recent, LastNonDirect lastNonDirect, CheckpointStore checkpoints,
      LogOpener logOpener) {
    this.logOpener = logOpener;
    this.lastNonDirect = lastNonDirect;
    this.config = config;
    this.changes = changes;
    this.sessions = sessions;
    this.metrics = metrics;
    this.visitors = visitors;
    this.recent = recent;
    this.checkpoints = checkpoints;
  }

  /** What recovery found, for the log line at start and the tests. */
  public record Recovery(int sessions, long replayedRecords, long replayedBytes, long millis, boolean fromCheckpoint,
      long readMillis, long restoreMillis, long replayMillis) {}

  /**
   * Restores the checkpoint and replays the log after it; then, in mode {@code none}, folds what
   * was replayed into a fresh checkpoint and stops logging.
   */
  public Recovery recover(long nowMillis) throws IOException {
    long started = System.nanoTime();
    Checkpoint cp = checkpoints.read();
    long read = System.nanoTime();
    long from = 0;
    if (cp != null) {
      sessions.restore(cp.sessions());
      metrics.restore(cp.metrics());
      if (visitors != null && cp.visitors() != null) {
        visitors.read(new DataInputStream(new ByteArrayInputStream(cp.visitors())), nowMillis);
      }
      recent.restore(cp.recentSpans());
      if (lastNonDirect != null) lastNonDirect.restore(cp.lastNonDirect(), nowMillis);
      from = cp.position();
      restoredFromCheckpoint = true;
    }
    long restored = System.nanoTime();
    long[] replayed = new long[2];
    log = logOpener.open(from, record -> {
      replayed[0]++;
      replayed[1] += record.remaining();
      try {
        changes.replay(record);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    lastCheckpointPosition = from;
    // Acknowledged only after the sync thread's fsync: that thread may as well do the writing.
    if (log instanceof FileStateLog f && config.durability() == StateConfig.Durability.FSYNC) f.deferWrites();
    if (config.durability() == StateConfig.Durability.NONE) {
      // The log then carries only the spans to export.
      if (replayed[0] > 0) checkpoint();
      changes.logging(false);
    }
    long end = System.nanoTime();
    return new Recovery(cp == null ? 0 : cp.sessions().size(), replayed[0], replayed[1],
        (end - started) / 1_000_000, cp != null, (read - started) / 1_000_000, (restored - read) / 1_000_000,
        (end - restored) / 1_000_000);
  }

  /** Turns on writing exported spans into the log (after recovery, whose spans are queued already). */
  public void exportSpans(boolean on) {
    changes.exports().enabled(on);
  }

  java.nio.file.Path directory() {
    return config.dir();
  }

  StateLog log() {
    return log;
  }

  /** Up to where the export queue may read: what is as durable as an acknowledgement. */
  long exportablePosition() {
    if (config.durability() != StateConfig.Durability.FSYNC) return log.position();
    // A sweep's session spans wait for no request's fsync: the exporter makes them durable itself.
    if (log.position() > log.durablePosition()) sync();
    return log.durablePosition();
  }

  /** The export queue accepted everything before {@code position}: segments before it and the checkpoint go. */
  void exportedUpTo(long position) {
    exportedPosition = position;
    try {
      log.deleteBefore(Math.min(position, lastCheckpointPosition));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not delete exported state log segments", e);
    }
  }

  /** Whether the state came from a checkpoint (so other restore paths must not add to it). */
  public boolean restoredFromCheckpoint() {
    return restoredFromCheckpoint;
  }

  public void registerMetrics(PrometheusRegistry registry) {
    checkpointsTotal = Counter.builder().withoutExemplars().name("rum_state_checkpoints_total")
        .help("Checkpoints of the session state written to state.dir, by outcome (ok, failed).")
        .labelNames("outcome").register(registry);
    GaugeWithCallback.builder().name("rum_state_log_bytes")
        .help("Bytes of state log on disk since the last checkpoint (replayed at start).")
        .callback(cb -> cb.call(log == null ? 0 : log.bytesOnDisk())).register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("rum_state_log_records_total")
        .help("Records appended to the state log: one per request that changed state, and one per sweep.")
        .callback(cb -> cb.call(log == null ? 0 : log.records())).register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("rum_state_log_syncs_total")
        .help("Fsyncs of the state log; records per fsync is how many requests a group commit covered.")
        .callback(cb -> cb.call(log == null ? 0 : log.syncs())).register(registry);
    // etcd's etcd_disk_wal_fsync_duration_seconds, for the same question: is the disk what the
    // acknowledged requests wait for?
    Histogram fsyncs = Histogram.builder().withoutExemplars().name("rum_state_log_fsync_duration_seconds")
        .help("How long one group commit's fsyncs of the state log took; in state.durability=fsync every acknowledged request waited for one.")
        .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
        .classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
        .register(registry);
    if (log instanceof FileStateLog f) f.timeSyncs(nanos -> fsyncs.observe(nanos / 1e9));
    GaugeWithCallback.builder().name("rum_state_checkpoint_age_seconds")
        .help("Seconds since the last checkpoint was written.")
        .callback(cb -> cb.call((System.currentTimeMillis() - lastCheckpointMillis) / 1000.0)).register(registry);
    GaugeWithCallback.builder().name("rum_state_checkpoint_pause_seconds")
        .help("How long the last checkpoint held the state lock to copy the state (requests waited that long).")
        .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
        .callback(cb -> cb.call(lastPauseNanos / 1e9)).register(registry);
    GaugeWithCallback.builder().name("rum_state_checkpoint_duration_seconds")
        .help("How long the last checkpoint took to write, from taking the state to the file's rename (state.checkpoint-cpu-share paces it).")
        .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
        .callback(cb -> cb.call(lastWriteNanos / 1e9)).register(registry);
    GaugeWithCallback.builder().name("rum_state_log_failed")
        .help("1 once a write or fsync of the state log failed: requests are refused (503 / UNAVAILABLE) until a restart.")
        .callback(cb -> cb.call(log != null && log.failure() != null ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("rum_recent_span_ids")
        .help("Span ids remembered to recognise a batch sent again (state.recent-spans bounds it).")
        .callback(cb -> cb.call(recentSize())).register(registry);
  }

  private int recentSize() {
    lock.lock();
    try {
      return recent.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the state lock for one request's changes, starting its log record. Refuses, changing
   * nothing, once the log has failed: what follows a lost record must not be acknowledged.
   */
  public StateChanges begin(long nowMillis) {
    lock.lock();
    if (log != null && log.failure() != null) {
      lock.unlock();
      throw new StateUnavailableException("the state log failed (" + log.failure().getMessage() + "); restart the processor", log.failure());
    }
    changes.begin(nowMillis);
    return changes;
  }

  /**
   * Appends the request's record and releases the lock; returns the log position to {@link
   * #awaitDurable} before acknowledging, 0 when nothing was logged.
   */
  public long end() {
    try {
      int state = changes.stateBytes();
      RecordBuffer exported = changes.exports().buffer();
      if (log == null || (state <= 0 && exported.length() == 0)) return 0;
      RecordBuffer r = changes.record();
      return log.append(r.array(), r.length(), exported.array(), exported.length());
    } catch (IOException e) {
      throw new StateUnavailableException("could not write the state log: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Lets the fsync of a group of requests wait up to {@code state.commit-delay} for others that
   * are still being decoded or applied, so that it covers them too; and a checkpoint's writer give
   * the core to requests while they come.
   */
  public void groupCommitWith(RequestTraffic traffic) {
    if (log instanceof FileStateLog f) {
      CommitDelay delay = new CommitDelay(config.commitDelay(), traffic::onTheirWay);
      traffic.whenNoneOnTheirWay(delay::othersArrived);
      f.commitDelay(delay);
    }
    checkpoints.paceAgainst(traffic);
  }

  /** Blocks until the record ending at {@code position} is on disk, as the durability mode says. */
  public void awaitDurable(long position) {
    if (position == 0 || config.durability() != StateConfig.Durability.FSYNC) return;
    try {
      log.awaitDurable(position);
    } catch (IOException e) {
      throw new StateUnavailableException("could not fsync the state log: " + e.getMessage(), e);
    }
  }

  /**
   * Calls {@code then} once the record ending at {@code position} is as durable as the mode says,
   * with null, or with the error that keeps it from being so; without blocking the caller (see
   * {@link StateLog#whenDurable}).
   */
  public void whenDurable(long position, java.util.function.Consumer<StateUnavailableException> then) {
    if (position == 0 || config.durability() != StateConfig.Durability.FSYNC) {
      then.accept(null);
      return;
    }
    log.whenDurable(position, failure -> then.accept(failure == null ? null
        : new StateUnavailableException("could not fsync the state log: " + failure.getMessage(), failure)));
  }

  /** The sweeper's turn: ends idle sessions under the lock; nothing waits for it to be durable. */
  public void sweep(long nowMillis) {
    begin(nowMillis);
    try {
      changes.sweep(nowMillis);
    } finally {
      end();
    }
  }

  /**
   * Reads something (a metrics scrape) consistently with the state and returns it once what it
   * shows is as durable as an acknowledgement.
   */
  public <T> T durableView(java.util.function.Supplier<T> read) {
    T value;
    long position;
    lock.lock();
    try {
      value = read.get();
      position = log == null ? 0 : log.position();
    } finally {
      lock.unlock();
    }
    try {
      awaitDurable(position);
    } catch (StateUnavailableException e) {
      // Shown anyway: rum_state_log_failed says the rest, and requests are refused from now on.
    }
    return value;
  }

  /** Mode {@code interval}: fsyncs what was written since the last call. */
  public void sync() {
    StateLog l = log;
    if (l == null) return;
    try {
      l.sync();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.ERROR, "could not fsync the state log; refusing requests from now on", e);
    }
  }

  /** Whether the log has grown past {@code state.checkpoint-log-bytes} since the last checkpoint. */
  public boolean logIsLong() {
    StateLog l = log;
    return l != null && l.position() - lastCheckpointPosition >= config.checkpointLogBytes();
  }

  /**
   * Writes a checkpoint: under the lock the session tables and the recent span ids are shared
   * copy-on-write ({@link SessionStore#freeze}, {@link RecentSpans#snapshot}: a reference per
   * page, whatever their size) and the small rest is copied; requests wait for that, not for the
   * sessions or the disk. The checkpoint is
   * written and fsynced outside the lock while requests go on (a page they change is copied
   * first, so the checkpoint is the state at its log position exactly), then the log before it
   * is deleted. The store must be done reading the sessions and span ids when {@link CheckpointStore#write}
   * returns.
   */
  public synchronized void checkpoint() throws IOException {
    Checkpoint c;
    long started = System.nanoTime();
    lock.lock();
    try {
      if (log != null) log.rotate();
      // Under the lock: the session tables and recent span ids shared page by page, the rest
      // copied (small). The file is made after it is released.
      SessionStore.Frozen frozen = sessions.freeze();
      long position = log == null ? 0 : log.position();
      SavedMetrics saved = metrics == null ? SavedMetrics.NONE : metrics.save();
      byte[] sketches = visitorBytes();
      RecentSpans.Snapshot spans = recent.snapshot();
      java.util.List<LastNonDirect.Entry> attributions = lastNonDirect == null ? java.util.List.of() : lastNonDirect.save();
      lock.unlock();
      lastPauseNanos = System.nanoTime() - started;
      c = new Checkpoint(position, frozen, saved, sketches, spans, attributions);
    } finally {
      if (lock.isHeldByCurrentThread()) lock.unlock();
    }
    try {
      checkpoints.write(c);
    } catch (IOException e) {
      if (checkpointsTotal != null) checkpointsTotal.labelValues("failed").inc();
      throw e;
    } finally {
      // The store's writers stop copying the pages the checkpoint read, and the span ids' pages
      // it alone held are written into next instead of new ones.
      ((SessionStore.Frozen) c.sessions()).release();
      lock.lock();
      try {
        recent.release(c.recentSpans());
      } finally {
        lock.unlock();
      }
    }
    lastWriteNanos = System.nanoTime() - started;
    if (checkpointsTotal != null) checkpointsTotal.labelValues("ok").inc();
    lastCheckpointPosition = c.position();
    lastCheckpointMillis = System.currentTimeMillis();
    if (log != null) log.deleteBefore(Math.min(c.position(), exportedPosition));
  }

  private byte[] visitorBytes() {
    if (visitors == null) return null;
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      visitors.write(new DataOutputStream(bytes));
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public CheckpointStore checkpoints() {
    return checkpoints;
  }

  @Override
  public void close() throws IOException {
    if (log != null) log.close();
  }
}

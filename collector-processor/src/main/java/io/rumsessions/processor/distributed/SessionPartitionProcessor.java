package io.rumsessions.processor.distributed;

import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.durability.DurableState;
import io.rumsessions.processor.engine.SessionEngine;
import io.rumsessions.processor.identity.DailySalts;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.metrics.DurableRegistry;
import io.rumsessions.processor.receive.MalformedPayloadException;
import io.rumsessions.processor.receive.OtlpWireSpans;
import io.rumsessions.processor.visitors.UniqueVisitors;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The second stage: one session partition, run by the embedded mode's own engine ({@link
 * SessionEngine}: the same identity, consent, bot, attribution and session rules), with its
 * state log and checkpoints in the partition's changelogged store instead of files. What it
 * logs reaches the changelog in the transaction that commits the offsets it came from
 * (exactly-once), so a partition restored on another instance — from the changelog, or at
 * once from a standby replica — is exactly the state those offsets produced.
 *
 * <p>Time is the records' own: a span arrives at its record's timestamp (when the Collector
 * wrote it), and sessions end on the input partitions' ticks ({@link Ticks}), never on this
 * instance's clock, so replaying a partition's input after a failover gives the same sessions.
 * Spans are applied in the order they reached the Collector, not the order the input
 * partitions happen to be read in: a visitor's requests spread over several input partitions,
 * and its landing page (which fixes the session's channel) must come first. So a span waits in
 * the store ({@link ReorderBuffer}) until every input partition's time has passed its own.
 */
final class SessionPartitionProcessor implements Processor<Integer, byte[], Integer, byte[]> {
  static final String STORE = "rum-state";
  private static final System.Logger LOG = System.getLogger(SessionPartitionProcessor.class.getName());
  private static final RequestContext KAFKA = RequestContext.plain("kafka", null);
  private static final Duration HOUSEKEEPING = Duration.ofSeconds(1);

  private final ProcessorConfig config;
  private final DailySalts salts;
  private final PartitionMetrics partitions;
  private final long sketchEveryMillis;
  private final RecordClock clock = new RecordClock();
  private final Ticks.Watermark watermark = new Ticks.Watermark();
  private ProcessorContext<Integer, byte[]> context;
  private ReorderBuffer waiting;
  private long watermarkMillis = -1;
  private int partition;
  private SessionEngine engine;
  private CommittedMetrics committed;
  private long nextOffset = -1;
  private long swept = -1;
  private long lastCheckpoint;
  private long lastSketch;

  SessionPartitionProcessor(ProcessorConfig config, DailySalts salts, PartitionMetrics partitions, Duration sketchEvery) {
    this.config = config;
    this.salts = salts;
    this.partitions = partitions;
    this.sketchEveryMillis = sketchEvery.toMillis();
  }

  /** The time the engine sees: the record being processed's timestamp. */
  private static final class RecordClock implements InstantSource {
    private long millis;

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Override
  public void init(ProcessorContext<Integer, byte[]> context) {
    this.context = context;
    this.partition = context.taskId().partition();
    KeyValueStore<Bytes, byte[]> store = context.getStateStore(STORE);
    this.waiting = new ReorderBuffer(store);
    DurableRegistry registry = new DurableRegistry();
    String where = context.applicationId() + " " + STORE + " partition " + partition;
    this.engine = new SessionEngine(config, clock, registry, salts, new StoreCheckpoints(store, where),
        (from, replay) -> StoreStateLog.open(store, from, replay, this::export));
    long now = System.currentTimeMillis();
    try {
      DurableState.Recovery r = engine.recover(now);
      if (r.fromCheckpoint() || r.replayedRecords() > 0) {
        LOG.log(System.Logger.Level.INFO, "partition {0}: restored {1} sessions and {2} log records in {3} ms",
            partition, r.sessions(), r.replayedRecords(), r.millis());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("partition " + partition + ": cannot restore the session state", e);
    }
    if (config.export().enabled()) engine.state().exportSpans(true);
    this.committed = new CommittedMetrics(registry);
    committed.restored();
    partitions.add(partition, committed);
    lastCheckpoint = now;
    lastSketch = now;
    context.schedule(HOUSEKEEPING, PunctuationType.WALL_CLOCK_TIME, this::housekeeping);
  }

  @Override
  public void process(Record<Integer, byte[]> record) {
    long offset = record.timestamp();
    if (context.recordMetadata().isPresent()) {
      offset = context.recordMetadata().get().offset();
      nextOffset = offset + 1;
    }
    byte[] value = record.value();
    if (value == null) return;
    committed.changed();
    if (Ticks.isTick(record.headers())) {
      long to = watermark.update(value);
      if (to > watermarkMillis) {
        watermarkMillis = to;
        // In arrival order, everything every input partition has sent up to now; then what ended.
        waiting.drainUpTo(to, this::apply);
      }
      if (to > swept) {
        engine.state().sweep(to);
        swept = to;
      }
      return;
    }
    if (record.timestamp() <= watermarkMillis) apply(record.timestamp(), value);
    else waiting.add(record.timestamp(), offset, value);
  }

  private void apply(long arrivalMillis, byte[] spans) {
    clock.millis = arrivalMillis;
    try {
      engine.pipeline().ingest(OtlpWireSpans.read(spans, spans.length), KAFKA);
    } catch (MalformedPayloadException e) {
      // Written by the routing stage from a parsed request: cannot happen short of a bug.
      LOG.log(System.Logger.Level.ERROR, "partition " + partition + ": skipping a damaged record", e);
    }
  }

  /** Spans to export (session spans, forwarded spans) go to the export topic, with the state that made them. */
  private void export(byte[] section) {
    context.forward(new Record<>(partition, section, clock.millis), DistributedProcessor.EXPORTS_SINK);
  }

  /** Each second: a checkpoint when one is due, the metrics' snapshot, the visitor sketches. */
  private void housekeeping(long wallMillis) {
    DurableState state = engine.state();
    long every = config.state().checkpointInterval().toMillis();
    if (state.logIsLong() || (every > 0 && wallMillis - lastCheckpoint >= every)) {
      try {
        state.checkpoint();
        lastCheckpoint = wallMillis;
      } catch (IOException e) {
        LOG.log(System.Logger.Level.ERROR, "partition " + partition + ": could not write a checkpoint", e);
      }
    }
    if (nextOffset >= 0) committed.snapshot(nextOffset);
    UniqueVisitors visitors = engine.visitors();
    if (visitors != null && wallMillis - lastSketch >= sketchEveryMillis) {
      lastSketch = wallMillis;
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try {
        visitors.writeSketches(new DataOutputStream(bytes));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      context.forward(new Record<>(partition, bytes.toByteArray(), wallMillis), DistributedProcessor.SKETCHES_SINK);
    }
  }

  @Override
  public void close() {
    if (committed != null) partitions.remove(partition, committed);
  }
}

package io.rumsessions.processor.distributed;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.ingest.RequestContext;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The first stage: reads the Collector's OTLP requests from an input partition and sends each
 * span to the session partition that keeps its visitor ({@link SpanRouting}), keyed by that
 * partition's number (no id goes into Kafka). Every tick interval it sends its partition's
 * time to every session partition ({@link Ticks}): the time of the newest record it passed
 * on, or once the partition is quiet — read to its end and committed, and no record for {@code
 * kafka.idle-after} — the clock less that. (Only a partition known to be read to its end may
 * tick with the clock: one whose records are still on their way — a new owner after a failover,
 * a stalled fetch — would let the session partitions apply later spans before them.)
 */
final class RoutingProcessor implements Processor<byte[], byte[], Integer, byte[]> {
  private static final System.Logger LOG = System.getLogger(RoutingProcessor.class.getName());
  private static final RequestContext KAFKA = RequestContext.plain("kafka", null);

  private final SpanRouting routing;
  private final DistributedMetrics metrics;
  private final int sessionPartitions;
  private final int inputPartitions;
  private final Duration tickInterval;
  private final long idleAfterMillis;
  private final java.util.function.IntPredicate readToEnd;
  private ProcessorContext<Integer, byte[]> context;
  private int source;
  private long streamTime = -1;
  private long lastRecordWall;

  RoutingProcessor(SpanRouting routing, DistributedMetrics metrics, int sessionPartitions, int inputPartitions,
      Duration tickInterval, Duration idleAfter, java.util.function.IntPredicate readToEnd) {
    this.readToEnd = readToEnd;
    this.routing = routing;
    this.metrics = metrics;
    this.sessionPartitions = sessionPartitions;
    this.inputPartitions = inputPartitions;
    this.tickInterval = tickInterval;
    this.idleAfterMillis = idleAfter.toMillis();
  }

  @Override
  public void init(ProcessorContext<Integer, byte[]> context) {
    this.context = context;
    this.source = context.taskId().partition();
    this.lastRecordWall = System.currentTimeMillis();
    context.schedule(tickInterval, PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    lastRecordWall = System.currentTimeMillis();
    streamTime = Math.max(streamTime, record.timestamp());
    if (record.value() == null) return;
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(record.value());
    } catch (InvalidProtocolBufferException e) {
      // Not OTLP protobuf (another encoding, or damaged): counted, skipped, never retried forever.
      metrics.malformedInput();
      LOG.log(System.Logger.Level.DEBUG, "skipping a record of {0} that is not an OTLP protobuf request: {1}",
          context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?"), e.getMessage());
      return;
    }
    metrics.inputRecord();
    Map<Integer, ExportTraceServiceRequest> byPartition = routing.route(request, KAFKA);
    byPartition.forEach((p, spans) -> context.forward(new Record<>(p, spans.toByteArray(), record.timestamp())));
  }

  private void tick(long wallMillis) {
    long time = streamTime;
    if (wallMillis - lastRecordWall >= idleAfterMillis && readToEnd.test(source)) time = Math.max(time, wallMillis - idleAfterMillis);
    if (time < 0) return;
    byte[] tick = Ticks.encode(source, inputPartitions, time);
    for (int p = 0; p < sessionPartitions; p++) context.forward(new Record<>(p, tick, time, Ticks.headers()));
  }
}

package io.rumsessions.processor.bench;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.ingest.IngestResult;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.receive.OtlpJsonDecoder;
import io.rumsessions.processor.receive.OtlpWireSpans;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The hot paths on what the OpenTelemetry JS web SDK really sends: OTLP/JSON and protobuf
 * decode of one captured batch (documentFetch, resourceFetch, documentLoad), and the whole
 * pipeline (mapping, identity, bot rules, session update) with the bot filter on and off,
 * whose ratio is the filter's share of the per-span cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineBenchmark {
  @Param({"true", "false"})
  public boolean bots;

  byte[] json;
  byte[] protobuf;
  /** Every captured post's spans in one request (16 spans), as a Collector batches them. */
  byte[] batch;
  final InputMapping mapping = new InputMapping(ProcessorConfig.defaults().input(), ProcessorConfig.defaults().consent());
  final SpanFacts facts = new SpanFacts();
  ExportTraceServiceRequest request;
  RumSessionsProcessor processor;
  final OtlpJsonDecoder decoder = new OtlpJsonDecoder();
  final RequestContext ctx = new RequestContext("http", "198.51.100.4",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
      io.rumsessions.processor.input.SpanFacts.Consent.UNKNOWN, false, false);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    batch = CapturedPosts.batch(1).toByteArray();
    json = CapturedPosts.bodies().get(0);
    request = decoder.decode(new ByteArrayInputStream(json));
    protobuf = request.toByteArray();
    long firstNanos = request.getResourceSpans(0).getScopeSpans(0).getSpans(0).getStartTimeUnixNano();
    Map<String, String> o = new HashMap<>(Map.of(
        "receiver.grpc-port", "0", "receiver.http-port", "0", "metrics.port", "0",
        "receiver.host", "127.0.0.1", "metrics.host", "127.0.0.1", "session.sweep-interval", "1h",
        "bots.enabled", Boolean.toString(bots),
        "state.dir", Files.createTempDirectory("rum-bench").toString(),
        "state.snapshot-on-shutdown", "false"));
    // The pipeline's own work: the log record is written but not waited for (an fsync, the same
    // for every request, is the harness's to measure), and the same three spans are applied each
    // time rather than refused as sent before.
    o.put("state.durability", "interval");
    o.put("state.recent-spans", "0");
    // A clock just after the captured spans, so they are never rejected as skewed.
    processor = new RumSessionsProcessor(ConfigLoader.load(null, o), InstantSource.fixed(java.time.Instant.ofEpochMilli(firstNanos / 1_000_000 + 1000)));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    processor.close();
  }

  @Benchmark
  public ExportTraceServiceRequest decodeJson() throws Exception {
    return decoder.decode(new ByteArrayInputStream(json));
  }

  @Benchmark
  public ExportTraceServiceRequest decodeProtobuf() throws Exception {
    return ExportTraceServiceRequest.parseFrom(protobuf);
  }

  /** Parse the batch with protobuf-java and map every span: what the receiver did before reading in place. */
  @Benchmark
  public int mapBatchFromMessages() throws Exception {
    return SpanWalk.mapAll(new MessageSpans(ExportTraceServiceRequest.parseFrom(batch)), mapping, facts);
  }

  /** Check the batch and map every span from its bytes. */
  @Benchmark
  public int mapBatchInPlace() throws Exception {
    return SpanWalk.mapAll(OtlpWireSpans.read(batch, batch.length), mapping, facts);
  }

  /** Three spans through the whole pipeline into one session. */
  @Benchmark
  public IngestResult ingest() {
    return processor.pipeline().ingest(request, ctx);
  }
}

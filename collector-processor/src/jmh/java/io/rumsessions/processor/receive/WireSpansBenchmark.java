package io.rumsessions.processor.receive;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.bench.SpanWalk;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A gRPC request read in place, in its two passes: the whole-request check ({@link
 * TraceRequestCheck}) and the mapping of every span from its bytes ({@link OtlpWireSpans}). The
 * request is every captured post of the OpenTelemetry JS web SDK (16 spans, most bytes
 * navigation-timing events) fourteen times over, 224 spans, about a Collector's batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireSpansBenchmark {
  byte[] request;
  final InputMapping mapping = new InputMapping(ProcessorConfig.defaults().input(), ProcessorConfig.defaults().consent());
  final SpanFacts facts = new SpanFacts();

  @Setup
  public void setUp() throws Exception {
    String[] lines;
    try (InputStream in = WireSpansBenchmark.class.getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
    }
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    ExportTraceServiceRequest.Builder all = ExportTraceServiceRequest.newBuilder();
    for (int copy = 0; copy < 14; copy++) {
      for (String l : lines) {
        if (l.isBlank()) continue;
        String b = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l).get("body").asText();
        all.addAllResourceSpans(decoder.decode(new ByteArrayInputStream(b.getBytes(StandardCharsets.UTF_8))).getResourceSpansList());
      }
    }
    request = all.build().toByteArray();
  }

  @Benchmark
  public byte[] check() {
    TraceRequestCheck.check(request, request.length);
    return request;
  }

  @Benchmark
  public int readAndMap() throws MalformedPayloadException {
    return SpanWalk.mapAll(OtlpWireSpans.read(request, request.length), mapping, facts);
  }
}

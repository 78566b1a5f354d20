package io.rumsessions.processor.receive;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.bench.CapturedPosts;
import io.rumsessions.processor.bench.SpanWalk;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A gRPC request read in place ({@link OtlpWireSpans}): the one pass that checks it whole and
 * records what the walk reads, and that pass with every span mapped.
 * {@code captured}: every captured post of the OpenTelemetry JS web SDK (16 spans, most bytes
 * navigation-timing events) fourteen times over, 224 spans, about a Collector's batch. {@code
 * synthetic}: 230 spans of 10 visits shaped as the benchmark harness's gRPC workload (bench/, ~20
 * attributes a span with the resource's, long URLs and user agents, no events), where the strings
 * are most of the bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireSpansBenchmark {
  @Param({"captured", "synthetic"})
  public String shape;

  byte[] request;
  final InputMapping mapping = new InputMapping(ProcessorConfig.defaults().input(), ProcessorConfig.defaults().consent());
  final SpanFacts facts = new SpanFacts();
  /** Used again, as a receiver thread uses its reader. */
  final OtlpWireSpans reader = new OtlpWireSpans();

  @Setup
  public void setUp() throws Exception {
    request = shape.equals("synthetic") ? synthetic() : CapturedPosts.batch(14).toByteArray();
  }

  private static byte[] synthetic() {
    ExportTraceServiceRequest.Builder all = ExportTraceServiceRequest.newBuilder();
    String[] paths = {"/", "/products/trail-running-shoes", "/checkout/thank-you", "/blog/how-to-choose-running-shoes"};
    for (int v = 0; v < 10; v++) {
      Resource.Builder resource = Resource.newBuilder()
          .addAttributes(kv("service.name", "shop-web"))
          .addAttributes(kv("service.version", "3.14.2"))
          .addAttributes(kv("deployment.environment.name", "production"))
          .addAttributes(kv("telemetry.sdk.language", "webjs"))
          .addAttributes(kv("telemetry.sdk.name", "opentelemetry"))
          .addAttributes(kv("telemetry.sdk.version", "2.2.0"))
          .addAttributes(kv("browser.platform", "Windows"))
          .addAttributes(kv("browser.language", "en-US"))
          .addAttributes(kv("user_agent.original", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"))
          .addAttributes(kv("client.address", "2001:db8:0:beef:" + v + ":1:2:3"));
      ScopeSpans.Builder scope = ScopeSpans.newBuilder()
          .setScope(InstrumentationScope.newBuilder().setName("@opentelemetry/instrumentation-fetch").setVersion("0.205.0"));
      for (int i = 0; i < 23; i++) {
        String url = "https://shop.example.com" + paths[i % paths.length] + "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly_2026_47";
        scope.addSpans(Span.newBuilder()
            .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, (byte) v, (byte) i}))
            .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, (byte) v, (byte) i}))
            .setName(i % 5 == 0 ? "documentLoad" : "HTTP GET")
            .setKind(i % 5 == 0 ? Span.SpanKind.SPAN_KIND_INTERNAL : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(1_764_900_000_000_000_000L + i * 1_000_000L)
            .setEndTimeUnixNano(1_764_900_000_050_000_000L + i * 1_000_000L)
            .addAttributes(kv("session.id", "5f2b9c1e8a7d4e3f9b6c0a1d2e3f4a5" + (v % 10)))
            .addAttributes(kv("http.url", url))
            .addAttributes(kv("url.full", url))
            .addAttributes(kv("http.method", "GET"))
            .addAttributes(kv("component", "fetch"))
            .addAttributes(kv("http.scheme", "https"))
            .addAttributes(kv("http.host", "shop.example.com"))
            .addAttributes(kv("http.user_agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"))
            .addAttributes(KeyValue.newBuilder().setKey("http.status_code").setValue(AnyValue.newBuilder().setIntValue(200)))
            .addAttributes(KeyValue.newBuilder().setKey("http.response_content_length").setValue(AnyValue.newBuilder().setIntValue(1000 + i))));
      }
      all.addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope));
    }
    return all.build().toByteArray();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** The check, and the record of what the walk reads (one pass since session 18; the check alone before). */
  @Benchmark
  public OtlpWireSpans read() throws MalformedPayloadException {
    OtlpWireSpans read = OtlpWireSpans.read(request, request.length, reader);
    reader.release();
    return read;
  }

  @Benchmark
  public int readAndMap() throws MalformedPayloadException {
    int n = SpanWalk.mapAll(OtlpWireSpans.read(request, request.length, reader), mapping, facts);
    reader.release();
    return n;
  }
}

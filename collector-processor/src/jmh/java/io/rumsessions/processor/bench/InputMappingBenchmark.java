package io.rumsessions.processor.bench;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The input mapping of one span with the attribute set the OpenTelemetry JS web SDK sends (as
 * bench/'s workload builds it: 7 span attributes, 12 resource attributes). The keys are fresh
 * String instances each time, as decoded from every request, so their hash codes are not
 * cached.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InputMappingBenchmark {
  InputMapping mapping;
  Resource resource;
  Span span;
  final SpanFacts facts = new SpanFacts();
  String[] spanKeys;
  String[] resourceKeys;

  @Setup
  public void setUp() {
    ProcessorConfig c = ConfigLoader.load(null, Map.of());
    mapping = new InputMapping(c.input(), c.consent());
    String url = "https://shop.example.com/products/shoes?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale";
    span = Span.newBuilder().setName("documentFetch").setStartTimeUnixNano(1_795_860_000_000_000_000L)
        .addAttributes(kv("session.id", "0000beef00000001a1b2c3d4e5f60718"))
        .addAttributes(kv("url.full", url)).addAttributes(kv("http.url", url))
        .addAttributes(kv("http.response_content_length", "12345"))
        .addAttributes(kv("http.response_content_length_uncompressed", "45678"))
        .addAttributes(kv("http.scheme", "https")).addAttributes(kv("network.protocol.version", "2")).build();
    resource = Resource.newBuilder()
        .addAttributes(kv("service.name", "shop-web")).addAttributes(kv("service.version", "3.14.2"))
        .addAttributes(kv("deployment.environment.name", "production")).addAttributes(kv("telemetry.sdk.language", "webjs"))
        .addAttributes(kv("telemetry.sdk.name", "opentelemetry")).addAttributes(kv("telemetry.sdk.version", "2.2.0"))
        .addAttributes(kv("process.runtime.name", "browser")).addAttributes(kv("browser.platform", "Windows"))
        .addAttributes(kv("browser.mobile", "false")).addAttributes(kv("browser.language", "en-US"))
        .addAttributes(kv("browser.brands", "Chromium 141")).addAttributes(kv("consent.analytics", "granted")).build();
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  /** A span as decoded from a request: fresh key strings (uncached hash codes). */
  private static Span fresh(Span s) {
    Span.Builder b = s.toBuilder().clearAttributes();
    for (KeyValue kv : s.getAttributesList()) b.addAttributes(kv.toBuilder().setKey(new String(kv.getKey())));
    return b.build();
  }

  /** Resource (once per request) and one span; includes copying the span with fresh keys. */
  @Benchmark
  public SpanFacts resourceAndSpan() {
    ResourceFacts rf = mapping.resource(resource);
    mapping.span(rf, fresh(span), facts);
    return facts;
  }

  /** The copy alone, to subtract from {@link #resourceAndSpan()}. */
  @Benchmark
  public Span freshCopyOnly() {
    return fresh(span);
  }
}

package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.testing.Fuzzing;
import org.junit.jupiter.api.AfterAll;

/**
 * Protobuf request bodies, seeded with the real OpenTelemetry JS web posts in protobuf form
 * (OtlpWireSpansFuzzTestInputs/). The request check ({@link TraceRequestCheck}) must refuse
 * exactly what protobuf-java refuses, and what it lets through the in-place reader must walk
 * exactly as protobuf-java's message says: same resources, scopes, spans, ids, names, mapped
 * attributes (OtlpWireSpansTest#assertAlike). The walk the pipeline does on every span must not
 * allocate beyond the Strings it hands out.
 */
class OtlpWireSpansFuzzTest {
  private static OtlpWireSpansTest readers;
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void checksAndReadsAsProtobufJavaDoes(byte[] bytes) throws Exception {
    runs++;
    if (readers == null) readers = new OtlpWireSpansTest();
    if (!readers.assertAlike(bytes, true)) return;

    // The texts decoded (at most the body, as Strings) and a fixed part for the reader and its text cache.
    Fuzzing.assertAllocatesLessThan(8L * bytes.length + (64 << 10), "walking a " + bytes.length + "-byte request", () -> {
      OtlpWireSpans wire = OtlpWireSpans.read(bytes, bytes.length);
      SpanFacts facts = new SpanFacts();
      while (wire.nextResource()) {
        ResourceFacts rf = wire.resourceFacts(readers.mapping);
        while (wire.nextScope()) {
          while (wire.nextSpan()) wire.map(readers.mapping, rf, facts);
        }
      }
    });
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("protobuf request check and reader", runs);
  }
}

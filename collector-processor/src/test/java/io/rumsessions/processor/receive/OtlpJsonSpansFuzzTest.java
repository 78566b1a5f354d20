package io.rumsessions.processor.receive;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rumsessions.processor.testing.Fuzzing;
import org.junit.jupiter.api.AfterAll;

/**
 * The streaming OTLP/JSON reader against the message decoder, on bodies seeded with the real
 * OpenTelemetry JS web posts (OtlpJsonSpansFuzzTestInputs/): it refuses exactly what the decoder
 * refuses, with the same message, and reads everything else as the decoded message says, span by
 * span ({@link OtlpJsonSpansTest#assertAlike}); reading allocates in proportion to the body.
 */
class OtlpJsonSpansFuzzTest {
  private static final OtlpJsonDecoder DECODER = new OtlpJsonDecoder();
  private static OtlpJsonSpansTest alike;
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void readsOrRefusesAsTheDecoderDoes(byte[] body) throws Exception {
    runs++;
    if (alike == null) alike = new OtlpJsonSpansTest();
    // Under Jazzer's instrumentation, which allocates too (see OtlpJsonDecoderFuzzTest).
    try {
      Fuzzing.assertAllocatesLessThan(1024L * body.length + (1 << 20), "reading a " + body.length + "-byte body",
          () -> DECODER.spans(body, body.length));
    } catch (MalformedPayloadException e) {
      // compared with the decoder's refusal below
    }
    alike.assertAlike(body);
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("OTLP/JSON in-place reader", runs);
  }
}

package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.testing.Fuzzing;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.AfterAll;

/**
 * OTLP/JSON bodies as a browser could post them, seeded with the real OpenTelemetry JS web posts
 * (OtlpJsonDecoderFuzzTestInputs/). A body is decoded or refused with a {@link
 * MalformedPayloadException}; any other throwable is a bug. What is accepted must be JSON, and
 * must become protobuf bytes the in-place reader takes and reads as the decoded message says,
 * since JSON and protobuf requests meet the same pipeline.
 */
class OtlpJsonDecoderFuzzTest {
  private static final OtlpJsonDecoder DECODER = new OtlpJsonDecoder();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static OtlpWireSpansTest readers;
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void decodesOrRefusesWithAMessage(byte[] body) throws Exception {
    runs++;
    if (readers == null) readers = new OtlpWireSpansTest();
    ExportTraceServiceRequest[] request = new ExportTraceServiceRequest[1];
    // Builders and Strings grow with the body. Measured under Jazzer, whose instrumentation allocates too: a
    // 3 KB body of made-up names took 1.5 MB here and 12 KB without it. The name-table copies this
    // once let through (FuzzFindingsTest) are checked there, without the hooks.
    try {
      Fuzzing.assertAllocatesLessThan(1024L * body.length + (1 << 20), "decoding a " + body.length + "-byte body",
          () -> request[0] = DECODER.decode(new ByteArrayInputStream(body)));
    } catch (MalformedPayloadException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }

    JsonNode tree = JSON.readTree(body);
    assertThat(tree.isObject()).as("accepted a body that is not a JSON object").isTrue();
    byte[] bytes = request[0].toByteArray();
    assertThat(readers.assertAlike(bytes)).as("protobuf-java reads the decoded request back").isTrue();
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("OTLP/JSON decoder", runs);
  }
}

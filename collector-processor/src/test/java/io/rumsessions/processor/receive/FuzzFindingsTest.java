package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.testing.Fuzzing;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What fuzzing the receivers' decoders found (*FuzzTest), each kept as a plain test. */
class FuzzFindingsTest {
  private static byte[] namesBody(Random r, int names) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < names; i++) b.append(i > 0 ? "," : "").append("\"f").append(Long.toHexString(r.nextLong())).append("\":1");
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Bug: Jackson's factory kept every field name any body used, up to 6,000, and a parse meeting
   * a name new to it copies the whole table; after a stream of made-up names, each small body with
   * one more cost 230 KB to 1.5 MB of allocation.
   */
  @Test
  void madeUpFieldNamesDoNotMakeEachDecodeCopyAFullNameTable() throws Exception {
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    Random r = new Random(18);
    for (int i = 0; i < 3_000; i++) decoder.decode(new ByteArrayInputStream(namesBody(r, 5)));
    for (int i = 0; i < 20; i++) {
      byte[] body = namesBody(r, 5);
      Fuzzing.assertAllocatesLessThan(64 << 10, "decoding " + new String(body, StandardCharsets.UTF_8),
          () -> decoder.decode(new ByteArrayInputStream(body)));
    }
  }

  /**
   * Bug: with {@code input.session-id-url-parameter} set, a page URL whose id parameter held a
   * '%' without two hex digits made java.net.URLDecoder throw, failing the whole request.
   */
  @Test
  void aBadEscapeInTheSessionIdParameterIsNoIdRatherThanAFailedRequest() throws Exception {
    ProcessorConfig config = ConfigLoader.load(null, Map.of("input.session-id-url-parameter", "sid"));
    InputMapping mapping = new InputMapping(config.input(), config.consent());
    List<String> ids = new ArrayList<>();
    for (String url : List.of("https://shop.example/?sid=abc%", "https://shop.example/?a=1&sid=%zz&b=2",
        "https://shop.example/?sid=4bf92f3577b34da6a3ce929d0e0e4736")) {
      Span span = Span.newBuilder()
          .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16]))
          .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[8]))
          .setName("documentLoad")
          .addAttributes(KeyValue.newBuilder().setKey("url.full").setValue(AnyValue.newBuilder().setStringValue(url)))
          .build();
      byte[] bytes = ExportTraceServiceRequest.newBuilder()
          .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
          .build().toByteArray();
      OtlpWireSpans wire = OtlpWireSpans.read(bytes, bytes.length);
      SpanFacts facts = new SpanFacts();
      while (wire.nextResource()) {
        ResourceFacts rf = wire.resourceFacts(mapping);
        while (wire.nextScope()) {
          while (wire.nextSpan()) {
            wire.map(mapping, rf, facts);
            ids.add(facts.clientSessionId);
          }
        }
      }
    }
    assertThat(ids).containsExactly(null, null, "4bf92f3577b34da6a3ce929d0e0e4736");
  }

  /**
   * Found by OtlpJsonSpansFuzzTest: a body Jackson takes for UTF-32 (zero bytes after the first)
   * was refused by the in-place reader with another byte position in Jackson's message than the
   * decoder's, and offsets into a UTF-16 or UTF-32 body are not byte offsets. Such bodies now take
   * the decoder's path: refused word for word as before, or read as messages.
   */
  @Test
  void aBodyInAnotherEncodingThanUtf8IsReadOrRefusedAsTheDecoderDoes() throws Exception {
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    byte[] utf32 = {0x09, 0, 0, 0, 0x58, 0, 0, 0, 0, 0};
    String refused = null;
    try {
      decoder.decode(new ByteArrayInputStream(utf32));
    } catch (MalformedPayloadException e) {
      refused = e.getMessage();
    }
    assertThat(refused).isNotNull();
    String expected = refused;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> decoder.spans(utf32, utf32.length))
        .isInstanceOf(MalformedPayloadException.class).hasMessage(expected);

    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b0df6b3e1b3101898f704aa91c0a432\","
        + "\"spanId\":\"52c63bc2b8af77a7\",\"name\":\"documentLoad\"}]}]}]}";
    byte[] utf16 = json.getBytes(StandardCharsets.UTF_16BE);
    io.rumsessions.processor.ingest.SpanSource spans = decoder.spans(utf16, utf16.length);
    assertThat(spans.nextResource() && spans.nextScope() && spans.nextSpan()).isTrue();
    assertThat(spans.name()).isEqualTo("documentLoad");
    assertThat(spans.span().getName()).isEqualTo("documentLoad");
  }
}

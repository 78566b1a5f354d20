package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class OtlpJsonDecoderTest {
  final OtlpJsonDecoder decoder = new OtlpJsonDecoder();

  ExportTraceServiceRequest decode(String json) throws Exception {
    return decoder.decode(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void decodesEveryRealOtelWebPost() throws Exception {
    int spans = 0;
    for (Fixtures.Post post : Fixtures.otelWebVisits()) {
      ExportTraceServiceRequest r = decode(post.body());
      spans += r.getResourceSpans(0).getScopeSpansList().stream().mapToInt(s -> s.getSpansCount()).sum();
    }
    assertThat(spans).isEqualTo(16);
  }

  @Test
  void readsIdsAsHexAndTimesAsDecimalStrings() throws Exception {
    Span span = decode(Fixtures.otelWebVisits().get(0).body()).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray())).isEqualTo("5b0df6b3e1b3101898f704aa91c0a432");
    assertThat(HexFormat.of().formatHex(span.getSpanId().toByteArray())).isEqualTo("52c63bc2b8af77a7");
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1795876747792900098L);
    assertThat(span.getName()).isEqualTo("documentFetch");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(span.getAttributesList()).anySatisfy(kv -> {
      assertThat(kv.getKey()).isEqualTo("http.response_content_length");
      assertThat(kv.getValue().getIntValue()).isEqualTo(592);
    });
  }

  @Test
  void acceptsNumbersForInt64EnumNamesAndSnakeCaseAndIgnoresUnknownFields() throws Exception {
    Span span = decode("""
        {"resource_spans":[{"scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432",
        "spanId":"52c63bc2b8af77a7","kind":"SPAN_KIND_SERVER","start_time_unix_nano":1795876747792900098,
        "futureField":{"nested":[1,2,{"x":null}]},
        "attributes":[{"key":"n","value":{"intValue":7}},{"key":"d","value":{"doubleValue":"NaN"}},
        {"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}}],
        "status":{"code":2,"message":"boom"}}]}]}],"extra":true}
        """).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1795876747792900098L);
    assertThat(span.getAttributes(0).getValue().getIntValue()).isEqualTo(7);
    assertThat(span.getAttributes(1).getValue().getDoubleValue()).isNaN();
    assertThat(span.getAttributes(2).getValue().getArrayValue().getValues(0).getStringValue()).isEqualTo("x");
    assertThat(span.getStatus().getCode().getNumber()).isEqualTo(2);
  }

  @Test
  void base64IdsAreRejectedWithThePath() {
    assertThatThrownBy(() -> decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"Ww32s+GzEBiY9wSqkcCkMg==\"}]}]}]}"))
        .isInstanceOf(MalformedPayloadException.class)
        .hasMessageContaining("resourceSpans[0].scopeSpans[0].spans[0].traceId")
        .hasMessageContaining("32 hex characters");
  }

  @Test
  void wrongValueTypesSayWhatWasExpected() {
    assertThatThrownBy(() -> decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":42}]}]}]}"))
        .isInstanceOf(MalformedPayloadException.class)
        .hasMessageContaining("spans[0].name: expected a string, found a number");
    assertThatThrownBy(() -> decode("{\"resourceSpans\":{}}"))
        .hasMessageContaining("resourceSpans: expected an array");
    assertThatThrownBy(() -> decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}"))
        .hasMessageContaining("not a 64-bit integer");
  }

  @Test
  void truncatedOrNonJsonInputIsMalformed() {
    assertThatThrownBy(() -> decode("{\"resourceSpans\":[{")).isInstanceOf(MalformedPayloadException.class);
    assertThatThrownBy(() -> decode("\u0000\u0001binary")).isInstanceOf(MalformedPayloadException.class);
    assertThatThrownBy(() -> decode("{} {}")).hasMessageContaining("trailing content");
  }

  @Test
  void deeplyNestedValuesAreRefusedNotAStackOverflow() {
    String deep = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
        + "{\"arrayValue\":{\"values\":[".repeat(2000) + "]}}".repeat(2000) + "}]}}]}";
    assertThatThrownBy(() -> decode(deep)).isInstanceOf(MalformedPayloadException.class);
  }
}

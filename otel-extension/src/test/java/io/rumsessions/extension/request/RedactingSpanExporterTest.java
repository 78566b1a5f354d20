package io.rumsessions.extension.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactingSpanExporterTest {

  @Test
  void removesTheAddedHeaderAttributesBeforeExport() {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    AttributeKey<List<String>> cookie = AttributeKey.stringArrayKey("http.request.header.cookie");
    AttributeKey<List<String>> requestId = AttributeKey.stringArrayKey("http.request.header.x-request-id");
    RedactingSpanExporter exporter =
        new RedactingSpanExporter(memory, Collections.<AttributeKey<?>>singleton(cookie));
    SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    List<SpanData> spans;
    try {
      Span server =
          provider
              .get("t")
              .spanBuilder("GET")
              .setSpanKind(SpanKind.SERVER)
              .setAttribute(cookie, Arrays.asList("sid=secret"))
              .setAttribute(requestId, Arrays.asList("r-1"))
              .setAttribute("url.path", "/a")
              .startSpan();
      server.end();
      provider.get("t").spanBuilder("plain").startSpan().end();
      spans = memory.getFinishedSpanItems();
    } finally {
      provider.close();
    }
    assertThat(spans).hasSize(2);
    SpanData server = spans.get(0);
    assertThat(server.getAttributes().get(cookie)).isNull();
    assertThat(server.getAttributes().get(requestId)).containsExactly("r-1");
    assertThat(server.getAttributes().size()).isEqualTo(2);
    assertThat(server.getTotalAttributeCount()).isEqualTo(2);
    assertThat(server.getName()).isEqualTo("GET");
    assertThat(spans.get(1).getName()).isEqualTo("plain");
  }
}

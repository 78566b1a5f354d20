package io.rumsessions.processor.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ProcessorConfig;
import org.junit.jupiter.api.Test;

class InputMappingTest {
  final ProcessorConfig config = ProcessorConfig.defaults();
  final InputMapping mapping = new InputMapping(config.input(), config.consent());

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  SpanFacts map(Resource r, Span s) {
    SpanFacts f = new SpanFacts();
    mapping.span(mapping.resource(r), s, f);
    return f;
  }

  @Test
  void otelWebDocumentLoadIsAPageviewWithItsUserAgent() {
    SpanFacts f = map(Resource.newBuilder().addAttributes(kv("service.name", "shop")).build(),
        Span.newBuilder().setName("documentLoad").setStartTimeUnixNano(5)
            .addAttributes(kv("session.id", "abc")).addAttributes(kv("url.full", "https://shop.example/"))
            .addAttributes(kv("user_agent.original", "Mozilla/5.0")).build());
    assertThat(f.pageview).isTrue();
    assertThat(f.interaction).isFalse();
    assertThat(f.clientSessionId).isEqualTo("abc");
    assertThat(f.userAgent).isEqualTo("Mozilla/5.0");
    assertThat(f.timeNanos).isEqualTo(5);
    assertThat(f.consent).isEqualTo(SpanFacts.Consent.UNKNOWN);
  }

  @Test
  void navigationSpansArePageviewsAndClicksAreInteractions() {
    assertThat(map(Resource.getDefaultInstance(), Span.newBuilder().setName("Navigation: /cart").build()).pageview).isTrue();
    assertThat(map(Resource.getDefaultInstance(), Span.newBuilder().setName("click").build()).interaction).isTrue();
    assertThat(map(Resource.getDefaultInstance(), Span.newBuilder().setName("resourceFetch").build()).pageview).isFalse();
  }

  @Test
  void splunkAndLegacyAttributesAreRead() {
    SpanFacts f = map(Resource.getDefaultInstance(), Span.newBuilder().setName("routeChange")
        .addAttributes(kv("splunk.rumSessionId", "splunk-1")).addAttributes(kv("location.href", "https://a.example/x"))
        .addAttributes(kv("http.user_agent", "UA")).build());
    assertThat(f.pageview).isTrue();
    assertThat(f.clientSessionId).isEqualTo("splunk-1");
    assertThat(f.url).isEqualTo("https://a.example/x");
    assertThat(f.userAgent).isEqualTo("UA");
  }

  @Test
  void theFirstConfiguredNameWinsAndSpanBeatsResource() {
    SpanFacts f = map(Resource.newBuilder().addAttributes(kv("session.id", "from-resource"))
            .addAttributes(kv("consent.analytics", "granted")).build(),
        Span.newBuilder().addAttributes(kv("session_id", "faro-legacy")).addAttributes(kv("session.id", "otel"))
            .addAttributes(kv("consent.analytics", "denied")).build());
    assertThat(f.clientSessionId).isEqualTo("otel");
    assertThat(f.consent).isEqualTo(SpanFacts.Consent.DENIED);
  }

  @Test
  void overlongOrUnprintableClientIdsAreIgnored() {
    assertThat(map(Resource.getDefaultInstance(), Span.newBuilder().addAttributes(kv("session.id", "x".repeat(129))).build()).clientSessionId).isNull();
    assertThat(map(Resource.getDefaultInstance(), Span.newBuilder().addAttributes(kv("session.id", "a b")).build()).clientSessionId).isNull();
  }

  @Test
  void aConfiguredUrlParameterCarriesTheSessionIdWhenNoAttributeDoes() {
    ProcessorConfig c = io.rumsessions.processor.config.ConfigLoader.load(null, java.util.Map.of("input.session-id-url-parameter", "rum_sid"));
    InputMapping m = new InputMapping(c.input(), c.consent());
    SpanFacts f = new SpanFacts();
    m.span(m.resource(Resource.getDefaultInstance()), Span.newBuilder()
        .addAttributes(kv("url.full", "https://shop.example/p?x=1&rum_sid=handed%2Dover&y=2")).build(), f);
    assertThat(f.clientSessionId).isEqualTo("handed-over");
    m.span(m.resource(Resource.getDefaultInstance()), Span.newBuilder().addAttributes(kv("session.id", "attr"))
        .addAttributes(kv("url.full", "https://shop.example/p?rum_sid=param")).build(), f);
    assertThat(f.clientSessionId).isEqualTo("attr");
  }
}

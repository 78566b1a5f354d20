package io.rumsessions.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * OTLP/JSON as the OpenTelemetry JS exporters write it: lowerCamelCase keys, hex trace and span
 * ids, 64-bit integers as strings, enums as numbers.
 */
final class OtlpJson {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private OtlpJson() {}

  static byte[] encode(ExportTraceServiceRequest request) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("resourceSpans");
      for (ResourceSpans rs : request.getResourceSpansList()) {
        g.writeStartObject();
        g.writeObjectFieldStart("resource");
        attributes(g, rs.getResource().getAttributesList());
        g.writeNumberField("droppedAttributesCount", 0);
        g.writeEndObject();
        g.writeArrayFieldStart("scopeSpans");
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          g.writeStartObject();
          g.writeObjectFieldStart("scope");
          g.writeStringField("name", ss.getScope().getName());
          g.writeStringField("version", ss.getScope().getVersion());
          g.writeEndObject();
          g.writeArrayFieldStart("spans");
          for (Span s : ss.getSpansList()) span(g, s);
          g.writeEndArray();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void span(JsonGenerator g, Span s) throws IOException {
    g.writeStartObject();
    g.writeStringField("traceId", hex(s.getTraceId()));
    g.writeStringField("spanId", hex(s.getSpanId()));
    if (!s.getParentSpanId().isEmpty()) g.writeStringField("parentSpanId", hex(s.getParentSpanId()));
    g.writeStringField("name", s.getName());
    g.writeNumberField("kind", s.getKindValue());
    g.writeStringField("startTimeUnixNano", Long.toUnsignedString(s.getStartTimeUnixNano()));
    g.writeStringField("endTimeUnixNano", Long.toUnsignedString(s.getEndTimeUnixNano()));
    attributes(g, s.getAttributesList());
    g.writeNumberField("droppedAttributesCount", 0);
    g.writeArrayFieldStart("events");
    for (Span.Event e : s.getEventsList()) {
      g.writeStartObject();
      g.writeArrayFieldStart("attributes");
      g.writeEndArray();
      g.writeStringField("name", e.getName());
      g.writeStringField("timeUnixNano", Long.toUnsignedString(e.getTimeUnixNano()));
      g.writeNumberField("droppedAttributesCount", 0);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeNumberField("droppedEventsCount", 0);
    g.writeObjectFieldStart("status");
    g.writeNumberField("code", s.getStatus().getCodeValue());
    g.writeEndObject();
    g.writeArrayFieldStart("links");
    g.writeEndArray();
    g.writeNumberField("droppedLinksCount", 0);
    g.writeNumberField("flags", s.getFlags());
    g.writeEndObject();
  }

  private static void attributes(JsonGenerator g, List<KeyValue> attributes) throws IOException {
    g.writeArrayFieldStart("attributes");
    for (KeyValue kv : attributes) {
      g.writeStartObject();
      g.writeStringField("key", kv.getKey());
      g.writeFieldName("value");
      value(g, kv.getValue());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void value(JsonGenerator g, AnyValue v) throws IOException {
    g.writeStartObject();
    switch (v.getValueCase()) {
      case STRING_VALUE -> g.writeStringField("stringValue", v.getStringValue());
      case BOOL_VALUE -> g.writeBooleanField("boolValue", v.getBoolValue());
      case INT_VALUE -> g.writeNumberField("intValue", v.getIntValue());
      case DOUBLE_VALUE -> g.writeNumberField("doubleValue", v.getDoubleValue());
      case ARRAY_VALUE -> {
        g.writeObjectFieldStart("arrayValue");
        g.writeArrayFieldStart("values");
        for (AnyValue x : v.getArrayValue().getValuesList()) value(g, x);
        g.writeEndArray();
        g.writeEndObject();
      }
      default -> throw new IllegalArgumentException("not used by the workload: " + v.getValueCase());
    }
    g.writeEndObject();
  }

  private static String hex(ByteString b) {
    char[] c = new char[b.size() * 2];
    for (int i = 0; i < b.size(); i++) {
      c[2 * i] = HEX[(b.byteAt(i) >> 4) & 0xf];
      c[2 * i + 1] = HEX[b.byteAt(i) & 0xf];
    }
    return new String(c);
  }
}

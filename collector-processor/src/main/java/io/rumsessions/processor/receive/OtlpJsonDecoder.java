package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;

/**
 * Decodes OTLP/JSON trace exports into protobuf messages with a streaming parser.
 *
 * <p>Written by hand because protobuf-java-util's JsonFormat reads {@code bytes} fields as
 * base64, while OTLP/JSON carries trace and span ids as hex; it is also several times slower.
 * Follows the OTLP/JSON rules: lowerCamelCase keys (the proto field names are accepted too),
 * enums as integers (names accepted), 64-bit integers as strings or numbers, unknown fields
 * ignored.
 */
public final class OtlpJsonDecoder {
  private final JsonFactory factory;

  public OtlpJsonDecoder() {
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();
  }

  /**
   * @throws MalformedPayloadException for anything that is not a valid OTLP/JSON export
   * @throws IOException when the body stream fails or crosses its size limit
   */
  public ExportTraceServiceRequest decode(InputStream in) throws MalformedPayloadException, IOException {
    try (JsonParser p = factory.createParser(in)) {
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
      p.nextToken();
      object(p, "request", f -> {
        if (f.equals("resourceSpans") || f.equals("resource_spans")) {
          array(p, "resourceSpans", at -> req.addResourceSpans(resourceSpans(p, at)));
        } else {
          p.skipChildren();
        }
      });
      if (p.nextToken() != null) {
        throw new MalformedPayloadException("trailing content after the JSON object");
      }
      return req.build();
    } catch (MalformedPayloadException | BoundedInputStream.TooLargeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new MalformedPayloadException("invalid OTLP/JSON: " + firstLine(e.getMessage()));
    }
  }

  // ---- structure: every message is an object of known fields, every list an array ----

  private interface Field {
    void read(String name) throws IOException, MalformedPayloadException;
  }

  private interface Element {
    void read(String path) throws IOException, MalformedPayloadException;
  }

  /** Walks the fields of the object at the current token; unknown fields are the caller's to skip. */
  private static void object(JsonParser p, String path, Field field) throws IOException, MalformedPayloadException {
    expect(p, p.currentToken(), JsonToken.START_OBJECT, path);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      field.read(name);
    }
  }

  /** Walks the elements of the array at the current token (null is an empty list). */
  private static void array(JsonParser p, String path, Element element) throws IOException, MalformedPayloadException {
    if (p.currentToken() == JsonToken.VALUE_NULL) return;
    expect(p, p.currentToken(), JsonToken.START_ARRAY, path);
    int i = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      element.read(path + "[" + i++ + "]");
    }
  }

  private ResourceSpans resourceSpans(JsonParser p, String path) throws IOException, MalformedPayloadException {
    ResourceSpans.Builder b = ResourceSpans.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "resource" -> b.setResource(resource(p, path + ".resource"));
        case "scopeSpans", "scope_spans" -> array(p, path + ".scopeSpans", at -> b.addScopeSpans(scopeSpans(p, at)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(text(p, path + ".schemaUrl"));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Resource resource(JsonParser p, String path) throws IOException, MalformedPayloadException {
    Resource.Builder b = Resource.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, path, f -> {
      switch (f) {
        case "attributes" -> attributes(p, path + ".attributes", b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p, path + "." + f));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private ScopeSpans scopeSpans(JsonParser p, String path) throws IOException, MalformedPayloadException {
    ScopeSpans.Builder b = ScopeSpans.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "scope" -> b.setScope(scope(p, path + ".scope"));
        case "spans" -> array(p, path + ".spans", at -> b.addSpans(span(p, at)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(text(p, path + ".schemaUrl"));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private InstrumentationScope scope(JsonParser p, String path) throws IOException, MalformedPayloadException {
    InstrumentationScope.Builder b = InstrumentationScope.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, path, f -> {
      switch (f) {
        case "name" -> b.setName(text(p, path + ".name"));
        case "version" -> b.setVersion(text(p, path + ".version"));
        case "attributes" -> attributes(p, path + ".attributes", b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p, path + "." + f));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Span span(JsonParser p, String path) throws IOException, MalformedPayloadException {
    Span.Builder b = Span.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(hexId(p, path + ".traceId", 16));
        case "spanId", "span_id" -> b.setSpanId(hexId(p, path + ".spanId", 8));
        case "parentSpanId", "parent_span_id" -> b.setParentSpanId(hexId(p, path + ".parentSpanId", 8));
        case "traceState", "trace_state" -> b.setTraceState(text(p, path + ".traceState"));
        case "flags" -> b.setFlags((int) integer(p, path + ".flags"));
        case "name" -> b.setName(text(p, path + ".name"));
        case "kind" -> b.setKindValue(enumValue(p, path + ".kind", "SPAN_KIND_", Span.SpanKind::valueOf));
        case "startTimeUnixNano", "start_time_unix_nano" -> b.setStartTimeUnixNano(integer(p, path + ".startTimeUnixNano"));
        case "endTimeUnixNano", "end_time_unix_nano" -> b.setEndTimeUnixNano(integer(p, path + ".endTimeUnixNano"));
        case "attributes" -> attributes(p, path + ".attributes", b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p, path + "." + f));
        case "events" -> array(p, path + ".events", at -> b.addEvents(event(p, at)));
        case "droppedEventsCount", "dropped_events_count" -> b.setDroppedEventsCount((int) integer(p, path + "." + f));
        case "links" -> array(p, path + ".links", at -> b.addLinks(link(p, at)));
        case "droppedLinksCount", "dropped_links_count" -> b.setDroppedLinksCount((int) integer(p, path + "." + f));
        case "status" -> b.setStatus(status(p, path + ".status"));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Span.Event event(JsonParser p, String path) throws IOException, MalformedPayloadException {
    Span.Event.Builder b = Span.Event.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "timeUnixNano", "time_unix_nano" -> b.setTimeUnixNano(integer(p, path + ".timeUnixNano"));
        case "name" -> b.setName(text(p, path + ".name"));
        case "attributes" -> attributes(p, path + ".attributes", b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p, path + "." + f));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Span.Link link(JsonParser p, String path) throws IOException, MalformedPayloadException {
    Span.Link.Builder b = Span.Link.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(hexId(p, path + ".traceId", 16));
        case "spanId", "span_id" -> b.setSpanId(hexId(p, path + ".spanId", 8));
        case "traceState", "trace_state" -> b.setTraceState(text(p, path + ".traceState"));
        case "flags" -> b.setFlags((int) integer(p, path + ".flags"));
        case "attributes" -> attributes(p, path + ".attributes", b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p, path + "." + f));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Status status(JsonParser p, String path) throws IOException, MalformedPayloadException {
    Status.Builder b = Status.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, path, f -> {
      switch (f) {
        case "message" -> b.setMessage(text(p, path + ".message"));
        case "code" -> b.setCodeValue(enumValue(p, path + ".code", "STATUS_CODE_", Status.StatusCode::valueOf));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private interface KeyValueSink {
    void add(KeyValue kv);
  }

  private void attributes(JsonParser p, String path, KeyValueSink sink) throws IOException, MalformedPayloadException {
    array(p, path, at -> sink.add(keyValue(p, at)));
  }

  private KeyValue keyValue(JsonParser p, String path) throws IOException, MalformedPayloadException {
    KeyValue.Builder b = KeyValue.newBuilder();
    object(p, path, f -> {
      switch (f) {
        case "key" -> b.setKey(text(p, path + ".key"));
        case "value" -> b.setValue(anyValue(p, path + ".value"));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private AnyValue anyValue(JsonParser p, String path) throws IOException, MalformedPayloadException {
    AnyValue.Builder b = AnyValue.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, path, f -> {
      switch (f) {
        case "stringValue", "string_value" -> b.setStringValue(text(p, path + ".stringValue"));
        case "boolValue", "bool_value" -> b.setBoolValue(bool(p, path + ".boolValue"));
        case "intValue", "int_value" -> b.setIntValue(integer(p, path + ".intValue"));
        case "doubleValue", "double_value" -> b.setDoubleValue(dbl(p, path + ".doubleValue"));
        case "bytesValue", "bytes_value" -> b.setBytesValue(base64(p, path + ".bytesValue"));
        case "arrayValue", "array_value" -> {
          ArrayValue.Builder a = ArrayValue.newBuilder();
          object(p, path + ".arrayValue", g -> {
            if (g.equals("values")) array(p, path + ".arrayValue.values", at -> a.addValues(anyValue(p, at)));
            else p.skipChildren();
          });
          b.setArrayValue(a);
        }
        case "kvlistValue", "kvlist_value" -> {
          KeyValueList.Builder l = KeyValueList.newBuilder();
          object(p, path + ".kvlistValue", g -> {
            if (g.equals("values")) attributes(p, path + ".kvlistValue.values", l::addValues);
            else p.skipChildren();
          });
          b.setKvlistValue(l);
        }
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  // ---- scalars ----

  private static void expect(JsonParser p, JsonToken actual, JsonToken wanted, String path) throws MalformedPayloadException {
    if (actual != wanted) {
      String what = switch (wanted) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "an array";
        default -> wanted.asString();
      };
      throw new MalformedPayloadException(path + ": expected " + what + ", found " + describe(actual));
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) return "end of input";
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  private static String text(JsonParser p, String path) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) return p.getText();
    if (t == JsonToken.VALUE_NULL) return "";
    throw new MalformedPayloadException(path + ": expected a string, found " + describe(t));
  }

  private static boolean bool(JsonParser p, String path) throws MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_TRUE) return true;
    if (t == JsonToken.VALUE_FALSE) return false;
    throw new MalformedPayloadException(path + ": expected a boolean, found " + describe(t));
  }

  /** 64-bit integers travel as decimal strings (proto3 JSON) or, leniently, as numbers. */
  private static long integer(JsonParser p, String path) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    try {
      if (t == JsonToken.VALUE_NUMBER_INT) return p.getLongValue();
      if (t == JsonToken.VALUE_STRING) return Long.parseUnsignedLong(p.getText().trim());
      if (t == JsonToken.VALUE_NULL) return 0;
    } catch (NumberFormatException | com.fasterxml.jackson.core.exc.InputCoercionException e) {
      throw new MalformedPayloadException(path + ": not a 64-bit integer: '" + clip(p.getText()) + "'");
    }
    throw new MalformedPayloadException(path + ": expected an integer, found " + describe(t));
  }

  private static double dbl(JsonParser p, String path) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getDoubleValue();
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      switch (s) {
        case "NaN": return Double.NaN;
        case "Infinity": return Double.POSITIVE_INFINITY;
        case "-Infinity": return Double.NEGATIVE_INFINITY;
        default:
          try {
            return Double.parseDouble(s);
          } catch (NumberFormatException e) {
            throw new MalformedPayloadException(path + ": not a number: '" + clip(s) + "'");
          }
      }
    }
    throw new MalformedPayloadException(path + ": expected a number, found " + describe(t));
  }

  private interface EnumByName {
    Object valueOf(String name);
  }

  private static int enumValue(JsonParser p, String path, String prefix, EnumByName byName) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) return p.getIntValue();
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      try {
        Object e = byName.valueOf(s.startsWith(prefix) ? s : prefix + s);
        return ((com.google.protobuf.ProtocolMessageEnum) e).getNumber();
      } catch (IllegalArgumentException e) {
        throw new MalformedPayloadException(path + ": unknown enum value '" + clip(s) + "'");
      }
    }
    throw new MalformedPayloadException(path + ": expected an enum number, found " + describe(t));
  }

  private static ByteString hexId(JsonParser p, String path, int bytes) throws IOException, MalformedPayloadException {
    String s = text(p, path);
    if (s.isEmpty()) return ByteString.EMPTY;
    if (s.length() != bytes * 2) {
      throw new MalformedPayloadException(path + ": expected " + bytes * 2 + " hex characters, found " + s.length());
    }
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new MalformedPayloadException(path + ": not hexadecimal");
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return ByteString.copyFrom(out);
  }

  private static ByteString base64(JsonParser p, String path) throws IOException, MalformedPayloadException {
    String s = text(p, path);
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      try {
        return ByteString.copyFrom(Base64.getUrlDecoder().decode(s));
      } catch (IllegalArgumentException e2) {
        throw new MalformedPayloadException(path + ": not base64");
      }
    }
  }

  private static String clip(String s) {
    return s == null ? "" : s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  private static String firstLine(String s) {
    if (s == null) return "unreadable input";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

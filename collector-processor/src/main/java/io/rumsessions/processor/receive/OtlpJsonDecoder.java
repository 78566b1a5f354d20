package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
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
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.ingest.SpanSource;
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
  /**
   * Field names a factory may learn before it is replaced. OTLP/JSON has about 70 (both
   * spellings); Jackson's factory keeps every name any body used (up to 6,000), and each parse
   * that meets a name new to it copies that whole table, ~1 MB: so a 36-byte body of made-up
   * names cost 230 KB once the table was full (found by fuzzing).
   */
  static final int MAX_FIELD_NAMES = 256;

  private volatile NameCountingFactory factory = newFactory();

  /** Counts the names its parsers have added to its shared tables. */
  private static final class NameCountingFactory extends JsonFactory {
    NameCountingFactory(JsonFactoryBuilder b) {
      super(b);
    }

    int fieldNames() {
      return _byteSymbolCanonicalizer.size() + _rootCharSymbols.size();
    }
  }

  private static NameCountingFactory newFactory() {
    return new NameCountingFactory(
        (JsonFactoryBuilder) new JsonFactoryBuilder().streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()));
  }

  /**
   * Reads {@code body[0, length)} into what the pipeline needs, without building messages (see
   * {@link OtlpJsonSpans}); refuses it whole, with the messages {@link #decode} gives, if it is not
   * a valid OTLP/JSON export.
   */
  public SpanSource spans(byte[] body, int length) throws MalformedPayloadException {
    return spans(body, length, null);
  }

  /**
   * As {@link #spans(byte[], int)}, reading into {@code reuse} (a reader this decoder gave, whose
   * request is done with) if not null: a receiver thread keeps one.
   */
  public SpanSource spans(byte[] body, int length, OtlpJsonSpans reuse) throws MalformedPayloadException {
    NameCountingFactory f = factory;
    try {
      OtlpJsonSpans read = OtlpJsonSpans.read(this, f, body, length, reuse);
      if (read != null) return read;
      // Not UTF-8: decoded into messages, as every body was before.
      try {
        return new MessageSpans(decode(new java.io.ByteArrayInputStream(body, 0, length)));
      } catch (IOException e) {
        throw new MalformedPayloadException("invalid OTLP/JSON: " + firstLine(e.getMessage()));
      }
    } finally {
      if (f.fieldNames() > MAX_FIELD_NAMES) factory = newFactory();
    }
  }

  /** One message of an already checked body, parsed from its bytes: a span, resource or scope to forward. */
  <T> T parseSlice(byte[] body, int from, int to, SliceReader<T> reader) {
    try (JsonParser p = factory.createParser(body, from, to - from)) {
      p.nextToken();
      return reader.read(p);
    } catch (IOException | MalformedPayloadException e) {
      throw new IllegalStateException("a checked OTLP/JSON body no longer parses", e);
    }
  }

  interface SliceReader<T> {
    T read(JsonParser p) throws IOException, MalformedPayloadException;
  }

  /**
   * @throws MalformedPayloadException for anything that is not a valid OTLP/JSON export
   * @throws IOException when the body stream fails or crosses its size limit
   */
  public ExportTraceServiceRequest decode(InputStream in) throws MalformedPayloadException, IOException {
    NameCountingFactory f = factory;
    try {
      return decode(f, in);
    } finally {
      // Read after the parser is closed: closing is when its new names join the factory's table.
      if (f.fieldNames() > MAX_FIELD_NAMES) factory = newFactory();
    }
  }

  private ExportTraceServiceRequest decode(JsonFactory jsonFactory, InputStream in) throws MalformedPayloadException, IOException {
    try (JsonParser p = jsonFactory.createParser(in)) {
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
      p.nextToken();
      object(p, f -> {
        if (f.equals("resourceSpans") || f.equals("resource_spans")) {
          array(p, () -> req.addResourceSpans(resourceSpans(p)));
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
    void read() throws IOException, MalformedPayloadException;
  }

  /** Walks the fields of the object at the current token; unknown fields are the caller's to skip. */
  private static void object(JsonParser p, Field field) throws IOException, MalformedPayloadException {
    expect(p, p.currentToken(), JsonToken.START_OBJECT);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      field.read(name);
    }
  }

  /** Walks the elements of the array at the current token (null is an empty list). */
  private static void array(JsonParser p, Element element) throws IOException, MalformedPayloadException {
    if (p.currentToken() == JsonToken.VALUE_NULL) return;
    expect(p, p.currentToken(), JsonToken.START_ARRAY);
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      element.read();
    }
  }

  private ResourceSpans resourceSpans(JsonParser p) throws IOException, MalformedPayloadException {
    ResourceSpans.Builder b = ResourceSpans.newBuilder();
    object(p, f -> {
      switch (f) {
        case "resource" -> b.setResource(resource(p));
        case "scopeSpans", "scope_spans" -> array(p, () -> b.addScopeSpans(scopeSpans(p)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(text(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  Resource resource(JsonParser p) throws IOException, MalformedPayloadException {
    Resource.Builder b = Resource.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, f -> {
      switch (f) {
        case "attributes" -> attributes(p, b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private ScopeSpans scopeSpans(JsonParser p) throws IOException, MalformedPayloadException {
    ScopeSpans.Builder b = ScopeSpans.newBuilder();
    object(p, f -> {
      switch (f) {
        case "scope" -> b.setScope(scope(p));
        case "spans" -> array(p, () -> b.addSpans(span(p)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(text(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  InstrumentationScope scope(JsonParser p) throws IOException, MalformedPayloadException {
    InstrumentationScope.Builder b = InstrumentationScope.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, f -> {
      switch (f) {
        case "name" -> b.setName(text(p));
        case "version" -> b.setVersion(text(p));
        case "attributes" -> attributes(p, b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  Span span(JsonParser p) throws IOException, MalformedPayloadException {
    Span.Builder b = Span.newBuilder();
    object(p, f -> {
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(hexId(p, 16));
        case "spanId", "span_id" -> b.setSpanId(hexId(p, 8));
        case "parentSpanId", "parent_span_id" -> b.setParentSpanId(hexId(p, 8));
        case "traceState", "trace_state" -> b.setTraceState(text(p));
        case "flags" -> b.setFlags((int) integer(p));
        case "name" -> b.setName(text(p));
        case "kind" -> b.setKindValue(enumValue(p, "SPAN_KIND_", Span.SpanKind::valueOf));
        case "startTimeUnixNano", "start_time_unix_nano" -> b.setStartTimeUnixNano(integer(p));
        case "endTimeUnixNano", "end_time_unix_nano" -> b.setEndTimeUnixNano(integer(p));
        case "attributes" -> attributes(p, b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p));
        case "events" -> array(p, () -> b.addEvents(event(p)));
        case "droppedEventsCount", "dropped_events_count" -> b.setDroppedEventsCount((int) integer(p));
        case "links" -> array(p, () -> b.addLinks(link(p)));
        case "droppedLinksCount", "dropped_links_count" -> b.setDroppedLinksCount((int) integer(p));
        case "status" -> b.setStatus(status(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Span.Event event(JsonParser p) throws IOException, MalformedPayloadException {
    Span.Event.Builder b = Span.Event.newBuilder();
    object(p, f -> {
      switch (f) {
        case "timeUnixNano", "time_unix_nano" -> b.setTimeUnixNano(integer(p));
        case "name" -> b.setName(text(p));
        case "attributes" -> attributes(p, b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Span.Link link(JsonParser p) throws IOException, MalformedPayloadException {
    Span.Link.Builder b = Span.Link.newBuilder();
    object(p, f -> {
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(hexId(p, 16));
        case "spanId", "span_id" -> b.setSpanId(hexId(p, 8));
        case "traceState", "trace_state" -> b.setTraceState(text(p));
        case "flags" -> b.setFlags((int) integer(p));
        case "attributes" -> attributes(p, b::addAttributes);
        case "droppedAttributesCount", "dropped_attributes_count" -> b.setDroppedAttributesCount((int) integer(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private Status status(JsonParser p) throws IOException, MalformedPayloadException {
    Status.Builder b = Status.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, f -> {
      switch (f) {
        case "message" -> b.setMessage(text(p));
        case "code" -> b.setCodeValue(enumValue(p, "STATUS_CODE_", Status.StatusCode::valueOf));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private interface KeyValueSink {
    void add(KeyValue kv);
  }

  private void attributes(JsonParser p, KeyValueSink sink) throws IOException, MalformedPayloadException {
    array(p, () -> sink.add(keyValue(p)));
  }

  private KeyValue keyValue(JsonParser p) throws IOException, MalformedPayloadException {
    KeyValue.Builder b = KeyValue.newBuilder();
    object(p, f -> {
      switch (f) {
        case "key" -> b.setKey(text(p));
        case "value" -> b.setValue(anyValue(p));
        default -> p.skipChildren();
      }
    });
    return b.build();
  }

  private AnyValue anyValue(JsonParser p) throws IOException, MalformedPayloadException {
    AnyValue.Builder b = AnyValue.newBuilder();
    if (p.currentToken() == JsonToken.VALUE_NULL) return b.build();
    object(p, f -> {
      switch (f) {
        case "stringValue", "string_value" -> b.setStringValue(text(p));
        case "boolValue", "bool_value" -> b.setBoolValue(bool(p));
        case "intValue", "int_value" -> b.setIntValue(integer(p));
        case "doubleValue", "double_value" -> b.setDoubleValue(dbl(p));
        case "bytesValue", "bytes_value" -> b.setBytesValue(base64(p));
        case "arrayValue", "array_value" -> {
          ArrayValue.Builder a = ArrayValue.newBuilder();
          object(p, g -> {
            if (g.equals("values")) array(p, () -> a.addValues(anyValue(p)));
            else p.skipChildren();
          });
          b.setArrayValue(a);
        }
        case "kvlistValue", "kvlist_value" -> {
          KeyValueList.Builder l = KeyValueList.newBuilder();
          object(p, g -> {
            if (g.equals("values")) attributes(p, l::addValues);
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

  static void expect(JsonParser p, JsonToken actual, JsonToken wanted) throws MalformedPayloadException {
    if (actual != wanted) {
      String what = switch (wanted) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "an array";
        default -> wanted.asString();
      };
      throw new MalformedPayloadException(here(p) + ": expected " + what + ", found " + describe(actual));
    }
  }

  /**
   * Where the parser is, e.g. {@code resourceSpans[0].scopeSpans[0].spans[2].traceId}, from
   * Jackson's parsing context: computed only for an error message, so decoding builds no path
   * strings (it did, eagerly, for every element and field: a measured hot spot).
   */
  static String here(JsonParser p) {
    JsonStreamContext c = p.getParsingContext();
    JsonToken t = p.currentToken();
    // At the start of an object or array the context is already the new one: name its owner.
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && c.getParent() != null) c = c.getParent();
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    for (; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
      } else if (c.getCurrentName() != null) {
        parts.push((c.getParent() != null && c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
      }
    }
    return parts.isEmpty() ? "request" : String.join("", parts);
  }

  static String describe(JsonToken t) {
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

  static String text(JsonParser p) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) return p.getText();
    if (t == JsonToken.VALUE_NULL) return "";
    throw new MalformedPayloadException(here(p) + ": expected a string, found " + describe(t));
  }

  static boolean bool(JsonParser p) throws MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_TRUE) return true;
    if (t == JsonToken.VALUE_FALSE) return false;
    throw new MalformedPayloadException(here(p) + ": expected a boolean, found " + describe(t));
  }

  /** 64-bit integers travel as decimal strings (proto3 JSON) or, leniently, as numbers. */
  static long integer(JsonParser p) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    try {
      if (t == JsonToken.VALUE_NUMBER_INT) return p.getLongValue();
      if (t == JsonToken.VALUE_STRING) return Long.parseUnsignedLong(p.getText().trim());
      if (t == JsonToken.VALUE_NULL) return 0;
    } catch (NumberFormatException | com.fasterxml.jackson.core.exc.InputCoercionException e) {
      throw new MalformedPayloadException(here(p) + ": not a 64-bit integer: '" + clip(p.getText()) + "'");
    }
    throw new MalformedPayloadException(here(p) + ": expected an integer, found " + describe(t));
  }

  static double dbl(JsonParser p) throws IOException, MalformedPayloadException {
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
            throw new MalformedPayloadException(here(p) + ": not a number: '" + clip(s) + "'");
          }
      }
    }
    throw new MalformedPayloadException(here(p) + ": expected a number, found " + describe(t));
  }

  interface EnumByName {
    Object valueOf(String name);
  }

  static int enumValue(JsonParser p, String prefix, EnumByName byName) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) return p.getIntValue();
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      try {
        Object e = byName.valueOf(s.startsWith(prefix) ? s : prefix + s);
        return ((com.google.protobuf.ProtocolMessageEnum) e).getNumber();
      } catch (IllegalArgumentException e) {
        throw new MalformedPayloadException(here(p) + ": unknown enum value '" + clip(s) + "'");
      }
    }
    throw new MalformedPayloadException(here(p) + ": expected an enum number, found " + describe(t));
  }

  static ByteString hexId(JsonParser p, int bytes) throws IOException, MalformedPayloadException {
    String s = text(p);
    if (s.isEmpty()) return ByteString.EMPTY;
    if (s.length() != bytes * 2) {
      throw new MalformedPayloadException(here(p) + ": expected " + bytes * 2 + " hex characters, found " + s.length());
    }
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new MalformedPayloadException(here(p) + ": not hexadecimal");
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return ByteString.copyFrom(out);
  }

  static ByteString base64(JsonParser p) throws IOException, MalformedPayloadException {
    String s = text(p);
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      try {
        return ByteString.copyFrom(Base64.getUrlDecoder().decode(s));
      } catch (IllegalArgumentException e2) {
        throw new MalformedPayloadException(here(p) + ": not base64");
      }
    }
  }

  static String clip(String s) {
    return s == null ? "" : s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  static String firstLine(String s) {
    if (s == null) return "unreadable input";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

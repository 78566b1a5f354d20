package io.rumsessions.processor.receive;

import static io.rumsessions.processor.receive.OtlpJsonDecoder.firstLine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An OTLP/JSON export read straight into what the pipeline needs, as {@link OtlpWireSpans} reads
 * protobuf: no protobuf message, no String per attribute or event.
 *
 * <p>One pass over the body's JSON tokens ({@link JsonTokens}: plain JSON read straight from the
 * bytes, anything else by Jackson's streaming parser) checks all of it exactly as {@link
 * OtlpJsonDecoder#decode} does (same walk, same refusals, same messages: the request is taken or
 * refused whole) and records, per span, its ids as longs, kind, status code, start time, and where
 * its name and its attributes' keys and values lie in the body; per resource, where its attributes
 * lie. Events and links are checked and skipped. Attribute names are matched as UTF-8 bytes
 * ({@link InputMapping#role}) and only the values the mapping takes become Strings, each distinct
 * text once per request. Texts with escapes are decoded as Jackson decodes them (and a body Jackson
 * reads has its non-ASCII texts decoded by it), so they read as {@code decode} reads them. A span,
 * resource or scope is parsed into a message from its bytes only when it is forwarded.
 */
public final class OtlpJsonSpans implements SpanSource {
  /** Array sizes a reader kept for the next request may have (a few KB); a larger one is dropped. */
  private static final int KEEP_ATTRIBUTES = 1024;
  private static final int KEEP_SPANS = 256;
  private static final byte NOT_SET = 0;
  private static final byte STRING = 1;
  private static final byte BOOL = 2;
  private static final byte INT = 3;
  private static final byte DOUBLE = 4;

  private final OtlpJsonDecoder decoder;
  private byte[] buf;
  private final PlainJsonTokens plain = new PlainJsonTokens();
  /** The tokens being walked: {@link #plain}, or Jackson's when the body is not plain. */
  private JsonTokens t;
  private boolean readPlainly;

  /** Texts that cannot be read from the body as they are (escapes); a text reference below zero is {@code -1 - index} here. */
  private final List<String> decoded = new ArrayList<>();

  // Resources (ResourceSpans): their attributes, scopes, and the "resource" value's bytes.
  private int resources;
  private int[] resAttrFrom = new int[2];
  private int[] resAttrTo = new int[2];
  private int[] resScopeFrom = new int[2];
  private int[] resScopeTo = new int[2];
  private int[] resValueStart = new int[2];
  private int[] resValueEnd = new int[2];

  // Scopes (ScopeSpans): their spans and the "scope" value's bytes.
  private int scopes;
  private int[] scopeSpanFrom = new int[2];
  private int[] scopeSpanTo = new int[2];
  private int[] scopeValueStart = new int[2];
  private int[] scopeValueEnd = new int[2];

  // Spans.
  private int spans;
  private int[] spanStart = new int[8];
  private int[] spanEnd = new int[8];
  private long[] traceHigh = new long[8];
  private long[] traceLow = new long[8];
  private long[] spanIds = new long[8];
  /** Bit 0: a 16-byte trace id; bit 1: an 8-byte span id. */
  private byte[] idBits = new byte[8];
  private int[] nameRef = new int[8];
  private int[] nameLength = new int[8];
  private int[] kinds = new int[8];
  private int[] statusCodes = new int[8];
  private long[] startNanos = new long[8];
  private int[] spanAttrFrom = new int[8];
  private int[] spanAttrTo = new int[8];

  // Attributes of spans and resources (not of events, links, scopes or nested values).
  private int attrs;
  private int[] keyRef = new int[32];
  private int[] keyLength = new int[32];
  private byte[] valueKind = new byte[32];
  private int[] valueRef = new int[32];
  private int[] valueLength = new int[32];
  private long[] valueBits = new long[32];

  // The walk.
  private int resource = -1;
  private int scope;
  private int scopeEnd;
  private int span;
  private int spanEndIndex;
  private Resource resourceMessage;
  private InstrumentationScope scopeMessage;
  private String name;

  private final RequestTexts texts = new RequestTexts();
  private final SpanFacts resourceScratch = new SpanFacts();
  private String wantedKey;
  private byte[] wantedKeyUtf8;

  // A string token just read: where its text is (see stringRef).
  private int refStart;
  private int refLength;

  private OtlpJsonSpans(OtlpJsonDecoder decoder) {
    this.decoder = decoder;
  }

  /**
   * The body read, or null when it is not UTF-8 (Jackson reads UTF-16 and UTF-32 too): the caller
   * decodes it as before.
   *
   * @param reuse a reader of the same decoder whose request is done with (its arrays are used
   *     again: most of what reading a small request allocated), or null
   */
  static OtlpJsonSpans read(OtlpJsonDecoder decoder, JsonFactory factory, byte[] body, int length, OtlpJsonSpans reuse)
      throws MalformedPayloadException {
    OtlpJsonSpans s = reuse != null && reuse.decoder == decoder ? reuse : new OtlpJsonSpans(decoder);
    s.reset(body);
    // Plain JSON (what the SDKs post) first; anything unusual is read again by Jackson, which
    // decides what it means and refuses what is wrong, in the decoder's words.
    s.plain.start(body, length);
    s.t = s.plain;
    try {
      s.request();
      s.readPlainly = true;
      return s;
    } catch (PlainJsonTokens.Unusual | IOException | MalformedPayloadException e) {
      s.reset(body);
    } finally {
      s.plain.release();
      s.t = null;
    }
    try (JsonParser p = factory.createParser(body, 0, length)) {
      // Offsets into the body are byte offsets only for UTF-8; the other encodings are rare enough
      // to take the message path, whose refusals they then also get word for word (found by fuzzing).
      if (!(p instanceof com.fasterxml.jackson.core.json.UTF8StreamJsonParser)) return null;
      s.t = new JacksonTokens(p, body, length);
      s.request();
    } catch (MalformedPayloadException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new MalformedPayloadException("invalid OTLP/JSON: " + firstLine(e.getMessage()));
    } finally {
      s.t = null;
    }
    return s;
  }

  /** Whether the last body was read as plain JSON, without Jackson (for tests). */
  boolean readPlainly() {
    return readPlainly;
  }

  /**
   * Lets go of the request: its body, its decoded texts and messages, so that a reader kept for
   * the next request holds none of them meanwhile. Returns whether the reader is worth keeping:
   * not when a large request grew its arrays past what a browser's post needs.
   */
  public boolean release() {
    buf = null;
    decoded.clear();
    texts.clear();
    resourceMessage = null;
    scopeMessage = null;
    name = null;
    return keyRef.length <= KEEP_ATTRIBUTES && spanStart.length <= KEEP_SPANS;
  }

  private void reset(byte[] body) {
    buf = body;
    readPlainly = false;
    decoded.clear();
    resources = 0;
    scopes = 0;
    spans = 0;
    attrs = 0;
    resource = -1;
    resourceMessage = null;
    scopeMessage = null;
    name = null;
    texts.clear();
  }

  // ---- the check and the record: OtlpJsonDecoder's walk, keeping only what the pipeline reads ----

  private void request() throws IOException, MalformedPayloadException {
    t.next();
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      if (f.equals("resourceSpans") || f.equals("resource_spans")) {
        if (startArray()) {
          for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) resourceSpans();
        }
      } else {
        t.skip();
      }
    }
    if (t.next() != null) {
      throw new MalformedPayloadException("trailing content after the JSON object");
    }
  }

  /** The array at the current token: false for null (an empty list), else checks it is an array. */
  private boolean startArray() throws MalformedPayloadException {
    if (t.current() == JsonToken.VALUE_NULL) return false;
    t.expect(JsonToken.START_ARRAY);
    return true;
  }

  private void resourceSpans() throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    int r = resources++;
    if (r == resAttrFrom.length) growResources();
    resAttrFrom[r] = resAttrTo[r] = 0;
    resValueStart[r] = -1;
    resScopeFrom[r] = scopes;
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "resource" -> resource(r);
        case "scopeSpans", "scope_spans" -> {
          if (startArray()) {
            for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) scopeSpans();
          }
        }
        case "schemaUrl", "schema_url" -> t.text();
        default -> t.skip();
      }
    }
    resScopeTo[r] = scopes;
  }

  private void resource(int r) throws IOException, MalformedPayloadException {
    // A repeated "resource" replaces the earlier one, as the decoder's setResource does.
    resValueStart[r] = t.offset();
    resAttrFrom[r] = resAttrTo[r] = attrs;
    if (t.current() == JsonToken.VALUE_NULL) {
      resValueEnd[r] = resValueStart[r] + 4;
      return;
    }
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "attributes" -> attributes(true);
        case "droppedAttributesCount", "dropped_attributes_count" -> t.integer();
        default -> t.skip();
      }
    }
    resAttrTo[r] = attrs;
    resValueEnd[r] = t.offset() + 1;
  }

  private void scopeSpans() throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    int s = scopes++;
    if (s == scopeSpanFrom.length) growScopes();
    scopeValueStart[s] = -1;
    scopeSpanFrom[s] = spans;
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "scope" -> {
          scopeValueStart[s] = t.offset();
          scopeCheck();
          scopeValueEnd[s] = t.current() == JsonToken.VALUE_NULL ? scopeValueStart[s] + 4 : t.offset() + 1;
        }
        case "spans" -> {
          if (startArray()) {
            for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) readSpan();
          }
        }
        case "schemaUrl", "schema_url" -> t.text();
        default -> t.skip();
      }
    }
    scopeSpanTo[s] = spans;
  }

  private void scopeCheck() throws IOException, MalformedPayloadException {
    if (t.current() == JsonToken.VALUE_NULL) return;
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "name", "version" -> t.text();
        case "attributes" -> attributes(false);
        case "droppedAttributesCount", "dropped_attributes_count" -> t.integer();
        default -> t.skip();
      }
    }
  }

  private void readSpan() throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    int s = spans++;
    if (s == spanStart.length) growSpans();
    spanStart[s] = t.offset();
    idBits[s] = 0;
    traceHigh[s] = traceLow[s] = spanIds[s] = 0;
    nameRef[s] = 0;
    nameLength[s] = 0;
    kinds[s] = 0;
    statusCodes[s] = 0;
    startNanos[s] = 0;
    spanAttrFrom[s] = attrs;
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "traceId", "trace_id" -> {
          int n = hexId(16, s, true);
          idBits[s] = (byte) (n == 16 ? idBits[s] | 1 : idBits[s] & ~1);
        }
        case "spanId", "span_id" -> {
          int n = hexId(8, s, false);
          idBits[s] = (byte) (n == 8 ? idBits[s] | 2 : idBits[s] & ~2);
        }
        case "parentSpanId", "parent_span_id" -> hexId(8, -1, false);
        case "traceState", "trace_state" -> t.text();
        case "flags" -> t.integer();
        case "name" -> {
          stringRef();
          nameRef[s] = refStart;
          nameLength[s] = refLength;
        }
        case "kind" -> kinds[s] = t.enumValue("SPAN_KIND_", Span.SpanKind::valueOf);
        case "startTimeUnixNano", "start_time_unix_nano" -> startNanos[s] = t.integer();
        case "endTimeUnixNano", "end_time_unix_nano" -> t.integer();
        case "attributes" -> attributes(true);
        case "droppedAttributesCount", "dropped_attributes_count" -> t.integer();
        case "events" -> {
          if (startArray()) {
            for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) event();
          }
        }
        case "droppedEventsCount", "dropped_events_count" -> t.integer();
        case "links" -> {
          if (startArray()) {
            for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) link();
          }
        }
        case "droppedLinksCount", "dropped_links_count" -> t.integer();
        case "status" -> statusCodes[s] = status();
        default -> t.skip();
      }
    }
    spanAttrTo[s] = attrs;
    spanEnd[s] = t.offset() + 1;
  }

  private void event() throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "timeUnixNano", "time_unix_nano" -> t.integer();
        case "name" -> t.skipText();
        case "attributes" -> attributes(false);
        case "droppedAttributesCount", "dropped_attributes_count" -> t.integer();
        default -> t.skip();
      }
    }
  }

  private void link() throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "traceId", "trace_id" -> hexId(16, -1, false);
        case "spanId", "span_id" -> hexId(8, -1, false);
        case "traceState", "trace_state" -> t.text();
        case "flags" -> t.integer();
        case "attributes" -> attributes(false);
        case "droppedAttributesCount", "dropped_attributes_count" -> t.integer();
        default -> t.skip();
      }
    }
  }

  /** The status's code (the last one given; a status given again replaces the earlier one whole). */
  private int status() throws IOException, MalformedPayloadException {
    if (t.current() == JsonToken.VALUE_NULL) return 0;
    t.expect(JsonToken.START_OBJECT);
    int code = 0;
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "message" -> t.text();
        case "code" -> code = t.enumValue("STATUS_CODE_", Status.StatusCode::valueOf);
        default -> t.skip();
      }
    }
    return code;
  }

  /** A list of KeyValue, recorded (span and resource attributes) or only checked. */
  private void attributes(boolean record) throws IOException, MalformedPayloadException {
    if (!startArray()) return;
    for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) keyValue(record);
  }

  private void keyValue(boolean record) throws IOException, MalformedPayloadException {
    t.expect(JsonToken.START_OBJECT);
    int a = -1;
    if (record) {
      a = attrs++;
      if (a == keyRef.length) growAttributes();
      keyRef[a] = 0;
      keyLength[a] = 0;
      valueKind[a] = NOT_SET;
    }
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "key" -> {
          if (record) {
            stringRef();
            keyRef[a] = refStart;
            keyLength[a] = refLength;
          } else {
            t.skipText();
          }
        }
        case "value" -> {
          if (record) valueKind[a] = NOT_SET;
          anyValue(a);
        }
        default -> t.skip();
      }
    }
  }

  /** An AnyValue; recorded into attribute {@code a} (the last case given wins, as in a builder), or only checked if a is -1. */
  private void anyValue(int a) throws IOException, MalformedPayloadException {
    if (t.current() == JsonToken.VALUE_NULL) return;
    t.expect(JsonToken.START_OBJECT);
    while (t.next() == JsonToken.FIELD_NAME) {
      String f = t.name();
      t.next();
      switch (f) {
        case "stringValue", "string_value" -> {
          if (a >= 0) {
            stringRef();
            valueKind[a] = STRING;
            valueRef[a] = refStart;
            valueLength[a] = refLength;
          } else {
            t.skipText();
          }
        }
        case "boolValue", "bool_value" -> {
          boolean v = t.bool();
          if (a >= 0) {
            valueKind[a] = BOOL;
            valueBits[a] = v ? 1 : 0;
          }
        }
        case "intValue", "int_value" -> {
          long v = t.integer();
          if (a >= 0) {
            valueKind[a] = INT;
            valueBits[a] = v;
          }
        }
        case "doubleValue", "double_value" -> {
          double v = t.dbl();
          if (a >= 0) {
            valueKind[a] = DOUBLE;
            valueBits[a] = Double.doubleToRawLongBits(v);
          }
        }
        case "bytesValue", "bytes_value" -> {
          t.base64();
          if (a >= 0) valueKind[a] = NOT_SET;
        }
        case "arrayValue", "array_value" -> {
          t.expect(JsonToken.START_OBJECT);
          while (t.next() == JsonToken.FIELD_NAME) {
            String g = t.name();
            t.next();
            if (g.equals("values")) {
              if (startArray()) {
                for (JsonToken k = t.next(); k != JsonToken.END_ARRAY; k = t.next()) anyValue(-1);
              }
            } else {
              t.skip();
            }
          }
          if (a >= 0) valueKind[a] = NOT_SET;
        }
        case "kvlistValue", "kvlist_value" -> {
          t.expect(JsonToken.START_OBJECT);
          while (t.next() == JsonToken.FIELD_NAME) {
            String g = t.name();
            t.next();
            if (g.equals("values")) attributes(false);
            else t.skip();
          }
          if (a >= 0) valueKind[a] = NOT_SET;
        }
        default -> t.skip();
      }
    }
  }

  // ---- texts and ids, without a String where the decoder made one ----

  /**
   * Where the current text is (see stringRef), in {@link #refStart}/{@link #refLength}: its bytes
   * in the body when they are plain ASCII without escapes, else the decoded text in {@link
   * #decoded}. Null is the empty text.
   */
  private void stringRef() throws IOException, MalformedPayloadException {
    if (t.plainText()) {
      refStart = t.refStart();
      refLength = t.refLength();
    } else {
      decoded.add(t.decodedText());
      refStart = -decoded.size();
      refLength = 0;
    }
  }

  /** A hex id as {@code OtlpJsonDecoder.hexId} reads it: its length in bytes (0 for empty); into span {@code s}'s trace id ({@code trace}) or span id, if s ≥ 0. */
  private int hexId(int bytes, int s, boolean trace) throws IOException, MalformedPayloadException {
    int n = t.hexId(bytes);
    if (n != 0 && s >= 0) {
      if (trace) {
        traceHigh[s] = t.idHigh();
        traceLow[s] = t.idLow();
      } else {
        spanIds[s] = t.idHigh();
      }
    }
    return n;
  }

  // ---- growth ----

  private void growResources() {
    int n = resAttrFrom.length * 2;
    resAttrFrom = Arrays.copyOf(resAttrFrom, n);
    resAttrTo = Arrays.copyOf(resAttrTo, n);
    resScopeFrom = Arrays.copyOf(resScopeFrom, n);
    resScopeTo = Arrays.copyOf(resScopeTo, n);
    resValueStart = Arrays.copyOf(resValueStart, n);
    resValueEnd = Arrays.copyOf(resValueEnd, n);
  }

  private void growScopes() {
    int n = scopeSpanFrom.length * 2;
    scopeSpanFrom = Arrays.copyOf(scopeSpanFrom, n);
    scopeSpanTo = Arrays.copyOf(scopeSpanTo, n);
    scopeValueStart = Arrays.copyOf(scopeValueStart, n);
    scopeValueEnd = Arrays.copyOf(scopeValueEnd, n);
  }

  private void growSpans() {
    int n = spanStart.length * 2;
    spanStart = Arrays.copyOf(spanStart, n);
    spanEnd = Arrays.copyOf(spanEnd, n);
    traceHigh = Arrays.copyOf(traceHigh, n);
    traceLow = Arrays.copyOf(traceLow, n);
    spanIds = Arrays.copyOf(spanIds, n);
    idBits = Arrays.copyOf(idBits, n);
    nameRef = Arrays.copyOf(nameRef, n);
    nameLength = Arrays.copyOf(nameLength, n);
    kinds = Arrays.copyOf(kinds, n);
    statusCodes = Arrays.copyOf(statusCodes, n);
    startNanos = Arrays.copyOf(startNanos, n);
    spanAttrFrom = Arrays.copyOf(spanAttrFrom, n);
    spanAttrTo = Arrays.copyOf(spanAttrTo, n);
  }

  private void growAttributes() {
    int n = keyRef.length * 2;
    keyRef = Arrays.copyOf(keyRef, n);
    keyLength = Arrays.copyOf(keyLength, n);
    valueKind = Arrays.copyOf(valueKind, n);
    valueRef = Arrays.copyOf(valueRef, n);
    valueLength = Arrays.copyOf(valueLength, n);
    valueBits = Arrays.copyOf(valueBits, n);
  }

  // ---- the walk ----

  @Override
  public boolean nextResource() {
    if (resource + 1 >= resources) {
      resource = resources;
      return false;
    }
    resource++;
    scope = resScopeFrom[resource] - 1;
    scopeEnd = resScopeTo[resource];
    resourceMessage = null;
    return true;
  }

  @Override
  public Resource resource() {
    if (resourceMessage == null) {
      int from = resValueStart[resource];
      resourceMessage = from < 0 ? Resource.getDefaultInstance()
          : decoder.parseSlice(buf, from, resValueEnd[resource], decoder::resource);
    }
    return resourceMessage;
  }

  @Override
  public ResourceFacts resourceFacts(InputMapping mapping) {
    mapping.begin(resourceScratch);
    String service = null;
    for (int a = resAttrFrom[resource], end = resAttrTo[resource]; a < end; a++) {
      if (isServiceName(mapping, a)) {
        service = valueText(a);
      } else {
        int role = role(mapping, a);
        if (role >= 0 && mapping.wants(role, resourceScratch)) mapping.offer(role, valueText(a), resourceScratch);
      }
    }
    return mapping.resourceFacts(service, resourceScratch);
  }

  private boolean isServiceName(InputMapping mapping, int a) {
    int k = keyRef[a];
    if (k >= 0) return mapping.isServiceName(buf, k, keyLength[a]);
    byte[] key = decoded.get(-1 - k).getBytes(StandardCharsets.UTF_8);
    return mapping.isServiceName(key, 0, key.length);
  }

  private int role(InputMapping mapping, int a) {
    int k = keyRef[a];
    if (k >= 0) return mapping.role(buf, k, keyLength[a]);
    byte[] key = decoded.get(-1 - k).getBytes(StandardCharsets.UTF_8);
    return mapping.role(key, 0, key.length);
  }

  @Override
  public boolean nextScope() {
    if (scope + 1 >= scopeEnd) {
      scope = scopeEnd;
      return false;
    }
    scope++;
    span = scopeSpanFrom[scope] - 1;
    spanEndIndex = scopeSpanTo[scope];
    scopeMessage = null;
    return true;
  }

  @Override
  public InstrumentationScope scope() {
    if (scopeMessage == null) {
      int from = scopeValueStart[scope];
      scopeMessage = from < 0 ? InstrumentationScope.getDefaultInstance()
          : decoder.parseSlice(buf, from, scopeValueEnd[scope], decoder::scope);
    }
    return scopeMessage;
  }

  @Override
  public boolean nextSpan() {
    if (span + 1 >= spanEndIndex) {
      span = spanEndIndex;
      return false;
    }
    span++;
    name = null;
    return true;
  }

  @Override
  public boolean hasValidIds() {
    return idBits[span] == 3;
  }

  @Override
  public void map(InputMapping mapping, ResourceFacts resourceFacts, SpanFacts out) {
    mapping.begin(out);
    for (int a = spanAttrFrom[span], end = spanAttrTo[span]; a < end; a++) {
      int role = role(mapping, a);
      if (role >= 0 && mapping.wants(role, out)) mapping.offer(role, valueText(a), out);
    }
    mapping.finish(resourceFacts, out, name(), kinds[span], statusCodes[span], startNanos[span]);
  }

  /** An attribute's value as {@link InputMapping#stringOf} gives it; null for arrays, maps, bytes and no value. */
  private String valueText(int a) {
    return switch (valueKind[a]) {
      case STRING -> textAt(valueRef[a], valueLength[a]);
      case BOOL -> valueBits[a] != 0 ? "true" : "false";
      case INT -> Long.toString(valueBits[a]);
      case DOUBLE -> Double.toString(Double.longBitsToDouble(valueBits[a]));
      default -> null;
    };
  }

  @Override
  public long traceIdHigh() {
    return traceHigh[span];
  }

  @Override
  public long traceIdLow() {
    return traceLow[span];
  }

  @Override
  public long spanId() {
    return spanIds[span];
  }

  @Override
  public String name() {
    if (name == null) name = textAt(nameRef[span], nameLength[span]);
    return name;
  }

  /** The text a reference names: body bytes (ASCII, decoded once per request) or a decoded one. */
  private String textAt(int ref, int length) {
    return ref < 0 ? decoded.get(-1 - ref) : texts.text(buf, ref, length);
  }

  @Override
  public boolean isClient() {
    return kinds[span] == Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
  }

  @Override
  public String attribute(String key) {
    if (key != wantedKey) {
      wantedKey = key;
      wantedKeyUtf8 = key.getBytes(StandardCharsets.UTF_8);
    }
    byte[] wanted = wantedKeyUtf8;
    // The first attribute of that name, as MessageSpans finds it.
    for (int a = spanAttrFrom[span], end = spanAttrTo[span]; a < end; a++) {
      int k = keyRef[a];
      boolean same = k >= 0
          ? Arrays.equals(buf, k, k + keyLength[a], wanted, 0, wanted.length)
          : decoded.get(-1 - k).equals(key);
      if (same) return valueText(a);
    }
    return null;
  }

  @Override
  public Span span() {
    return decoder.parseSlice(buf, spanStart[span], spanEnd[span], decoder::span);
  }
}

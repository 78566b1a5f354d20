package io.rumsessions.processor.receive;

import static io.rumsessions.processor.receive.ProtoReader.FIXED64;
import static io.rumsessions.processor.receive.ProtoReader.LENGTH_DELIMITED;
import static io.rumsessions.processor.receive.ProtoReader.VARINT;
import static io.rumsessions.processor.receive.ProtoReader.fieldTag;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An OTLP {@code ExportTraceServiceRequest} read in place from its protobuf bytes.
 *
 * <p>Why by hand: protobuf-java builds every message through a builder and every attribute's key
 * and value as a String, about 4 KB of garbage per browser span and most of the processor's
 * allocation, while the pipeline reads a handful of a span's attributes. Here a span's
 * attribute names are matched as bytes and only the values the mapping takes become Strings.
 * Resources are read the same way. The whole request is checked first ({@link TraceRequestCheck}),
 * so it is taken whole or refused whole, as with protobuf-java. A resource, a scope or a span is
 * parsed by protobuf-java from its bytes only when it is forwarded.
 *
 * <p>Repeated singular fields: the last occurrence wins, as a protobuf parser merges them.
 */
public final class OtlpWireSpans implements SpanSource {
  private static final int RESOURCE_SPANS = fieldTag(1, LENGTH_DELIMITED);
  private static final int RESOURCE = fieldTag(1, LENGTH_DELIMITED);
  private static final int RESOURCE_ATTRIBUTE = fieldTag(1, LENGTH_DELIMITED);
  private static final int SCOPE_SPANS = fieldTag(2, LENGTH_DELIMITED);
  private static final int SCOPE = fieldTag(1, LENGTH_DELIMITED);
  private static final int SPAN = fieldTag(2, LENGTH_DELIMITED);
  private static final int TRACE_ID = fieldTag(1, LENGTH_DELIMITED);
  private static final int SPAN_ID = fieldTag(2, LENGTH_DELIMITED);
  private static final int NAME = fieldTag(5, LENGTH_DELIMITED);
  private static final int KIND = fieldTag(6, VARINT);
  private static final int START_TIME = fieldTag(7, FIXED64);
  private static final int ATTRIBUTE = fieldTag(9, LENGTH_DELIMITED);
  private static final int STATUS = fieldTag(15, LENGTH_DELIMITED);
  private static final int STATUS_CODE = fieldTag(3, VARINT);
  private static final int KEY = fieldTag(1, LENGTH_DELIMITED);
  private static final int VALUE = fieldTag(2, LENGTH_DELIMITED);
  private static final int STRING_VALUE = fieldTag(1, LENGTH_DELIMITED);
  private static final int BOOL_VALUE = fieldTag(2, VARINT);
  private static final int INT_VALUE = fieldTag(3, VARINT);
  private static final int DOUBLE_VALUE = fieldTag(4, FIXED64);
  private static final int ARRAY_VALUE = fieldTag(5, LENGTH_DELIMITED);
  private static final int KVLIST_VALUE = fieldTag(6, LENGTH_DELIMITED);
  private static final int BYTES_VALUE = fieldTag(7, LENGTH_DELIMITED);
  private static final int STRINDEX_VALUE = fieldTag(8, VARINT);

  private final byte[] buf;
  private final int length;
  private final ProtoReader r;

  private int requestScan;
  private int resourceStart;
  private int resourceEnd;
  private int resourceScan;
  private Resource resource;
  private int scopeStart;
  private int scopeEnd;
  private int scopeScan;
  private InstrumentationScope scope;
  private int spanStart;
  private int spanEnd;

  // The current span's fields.
  private int traceIdStart;
  private int traceIdLength;
  private int spanIdStart;
  private int spanIdLength;
  private int nameStart;
  private int nameLength;
  private int kind;
  private int statusCode;
  private long startNanos;
  private String name;

  // A request's spans repeat their names and many values: each distinct text decoded once.
  private RequestTexts texts;

  private final SpanFacts resourceScratch = new SpanFacts();
  // The key attribute() last looked for, as UTF-8.
  private String wantedKey;
  private byte[] wantedKeyUtf8;

  // The KeyValue nextKeyValue found.
  private int kvStart;
  private int keyStart;
  private int keyLength;

  // Where the last attribute value read was: its oneof case (as its tag) and payload.
  private int valueTag;
  private int valueStart;
  private int valueEnd;
  private long valueBits;

  private OtlpWireSpans(byte[] buf, int length) {
    this.buf = buf;
    this.length = length;
    this.r = new ProtoReader(buf);
  }

  /** Reads {@code buf[0, length)}, refusing it whole if protobuf-java would not parse it. */
  public static OtlpWireSpans read(byte[] buf, int length) throws MalformedPayloadException {
    try {
      TraceRequestCheck.check(buf, length);
    } catch (ProtoReader.Malformed e) {
      throw new MalformedPayloadException("invalid OTLP protobuf: " + e.getMessage());
    }
    return new OtlpWireSpans(buf, length);
  }

  /** Positions the reader at the next field {@code wanted} before {@code end}; returns where it ends, or -1. */
  private int seek(int from, int end, int wanted) {
    r.pos = from;
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == wanted) return r.delimited(end);
      r.skip(tag, end, 0);
    }
    return -1;
  }

  @Override
  public boolean nextResource() {
    int end = seek(requestScan, length, RESOURCE_SPANS);
    if (end < 0) return false;
    resourceStart = r.pos;
    resourceEnd = end;
    requestScan = end;
    resourceScan = resourceStart;
    resource = null;
    return true;
  }

  @Override
  public Resource resource() {
    if (resource == null) resource = (Resource) merged(resourceStart, resourceEnd, RESOURCE, Resource.newBuilder());
    return resource;
  }

  @Override
  public ResourceFacts resourceFacts(InputMapping mapping) {
    // Occurrences of the resource merge: their attributes in order, as in the parsed message.
    mapping.begin(resourceScratch);
    String service = null;
    for (int at = resourceStart, end; (end = seek(at, resourceEnd, RESOURCE)) >= 0; at = end) {
      for (int kvEnd; (kvEnd = nextKeyValue(end, RESOURCE_ATTRIBUTE)) >= 0; r.pos = kvEnd) {
        if (mapping.isServiceName(buf, keyStart, keyLength)) {
          service = valueText(kvStart, kvEnd);
        } else {
          int role = mapping.role(buf, keyStart, keyLength);
          if (role >= 0 && mapping.wants(role, resourceScratch)) mapping.offer(role, valueText(kvStart, kvEnd), resourceScratch);
        }
      }
    }
    return mapping.resourceFacts(service, resourceScratch);
  }

  @Override
  public boolean nextScope() {
    int end = seek(resourceScan, resourceEnd, SCOPE_SPANS);
    if (end < 0) return false;
    scopeStart = r.pos;
    scopeEnd = end;
    resourceScan = end;
    scopeScan = scopeStart;
    scope = null;
    return true;
  }

  @Override
  public InstrumentationScope scope() {
    if (scope == null) scope = (InstrumentationScope) merged(scopeStart, scopeEnd, SCOPE, InstrumentationScope.newBuilder());
    return scope;
  }

  /** Every occurrence of a singular message field merged, as a parser does. */
  private com.google.protobuf.Message merged(int from, int end, int wanted, com.google.protobuf.Message.Builder builder) {
    try {
      for (int at = from, fieldEnd; (fieldEnd = seek(at, end, wanted)) >= 0; at = fieldEnd) {
        builder.mergeFrom(buf, r.pos, fieldEnd - r.pos);
      }
    } catch (InvalidProtocolBufferException e) {
      throw checkMissed(e);
    }
    return builder.build();
  }

  @Override
  public boolean nextSpan() {
    int end = seek(scopeScan, scopeEnd, SPAN);
    if (end < 0) return false;
    spanStart = r.pos;
    spanEnd = end;
    scopeScan = end;
    traceIdStart = 0;
    traceIdLength = 0;
    spanIdLength = 0;
    nameStart = 0;
    nameLength = 0;
    kind = 0;
    statusCode = 0;
    startNanos = 0;
    name = null;
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == TRACE_ID) {
        int e = r.delimited(end);
        traceIdStart = r.pos;
        traceIdLength = e - r.pos;
        r.pos = e;
      } else if (tag == SPAN_ID) {
        int e = r.delimited(end);
        spanIdStart = r.pos;
        spanIdLength = e - r.pos;
        r.pos = e;
      } else if (tag == NAME) {
        int e = r.delimited(end);
        nameStart = r.pos;
        nameLength = e - r.pos;
        r.pos = e;
      } else if (tag == KIND) {
        kind = (int) r.varint(end);
      } else if (tag == START_TIME) {
        startNanos = r.fixed64(end);
      } else if (tag == STATUS) {
        // Occurrences of a singular message merge: the last code on the wire wins.
        int e = r.delimited(end);
        while (r.pos < e) {
          int t = r.tag(e);
          if (t == STATUS_CODE) statusCode = (int) r.varint(e);
          else r.skip(t, e, 0);
        }
      } else {
        r.skip(tag, end, 0);
      }
    }
    return true;
  }

  @Override
  public boolean hasValidIds() {
    return traceIdLength == 16 && spanIdLength == 8;
  }

  @Override
  public void map(InputMapping mapping, ResourceFacts resourceFacts, SpanFacts out) {
    mapping.begin(out);
    r.pos = spanStart;
    for (int kvEnd; (kvEnd = nextKeyValue(spanEnd, ATTRIBUTE)) >= 0; r.pos = kvEnd) {
      int role = mapping.role(buf, keyStart, keyLength);
      if (role >= 0 && mapping.wants(role, out)) mapping.offer(role, valueText(kvStart, kvEnd), out);
    }
    mapping.finish(resourceFacts, out, name(), kind, statusCode, startNanos);
  }

  /**
   * Moves to the next KeyValue field {@code wanted} before {@code end}, reading where it starts
   * and its key (the last one, as a parser keeps); returns where it ends, or -1.
   */
  private int nextKeyValue(int end, int wanted) {
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag != wanted) {
        r.skip(tag, end, 0);
        continue;
      }
      int kvEnd = r.delimited(end);
      kvStart = r.pos;
      keyStart = 0;
      keyLength = 0;
      while (r.pos < kvEnd) {
        int t = r.tag(kvEnd);
        if (t == KEY) {
          int e = r.delimited(kvEnd);
          keyStart = r.pos;
          keyLength = e - r.pos;
          r.pos = e;
        } else {
          r.skip(t, kvEnd, 0);
        }
      }
      return kvEnd;
    }
    return -1;
  }

  /** The text of a KeyValue's value, as {@link InputMapping#stringOf} gives it; null for arrays, maps, bytes. */
  private String valueText(int kvStart, int kvEnd) {
    valueTag = 0;
    r.pos = kvStart;
    while (r.pos < kvEnd) {
      int t = r.tag(kvEnd);
      if (t != VALUE) {
        r.skip(t, kvEnd, 0);
        continue;
      }
      // Occurrences of the value merge; of its oneof, the last case on the wire wins.
      int e = r.delimited(kvEnd);
      while (r.pos < e) {
        int vt = r.tag(e);
        if (vt == STRING_VALUE || vt == ARRAY_VALUE || vt == KVLIST_VALUE || vt == BYTES_VALUE) {
          int ve = r.delimited(e);
          valueTag = vt;
          valueStart = r.pos;
          valueEnd = ve;
          r.pos = ve;
        } else if (vt == BOOL_VALUE || vt == INT_VALUE || vt == STRINDEX_VALUE) {
          valueTag = vt;
          valueBits = r.varint(e);
        } else if (vt == DOUBLE_VALUE) {
          valueTag = vt;
          valueBits = r.fixed64(e);
        } else {
          r.skip(vt, e, 0);
        }
      }
    }
    if (valueTag == STRING_VALUE) return text(valueStart, valueEnd - valueStart);
    if (valueTag == BOOL_VALUE) return valueBits != 0 ? "true" : "false";
    if (valueTag == INT_VALUE) return Long.toString(valueBits);
    if (valueTag == DOUBLE_VALUE) return Double.toString(Double.longBitsToDouble(valueBits));
    return null;
  }

  @Override
  public long traceIdHigh() {
    return bigEndian(traceIdStart);
  }

  @Override
  public long traceIdLow() {
    return bigEndian(traceIdStart + 8);
  }

  @Override
  public long spanId() {
    return bigEndian(spanIdStart);
  }

  private long bigEndian(int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) v = v << 8 | (buf[i] & 0xff);
    return v;
  }

  @Override
  public String name() {
    if (name == null) name = text(nameStart, nameLength);
    return name;
  }

  /** The UTF-8 text at {@code buf[start, start + length)}, decoded once per request. */
  private String text(int start, int length) {
    if (texts == null) texts = new RequestTexts();
    return texts.text(buf, start, length);
  }

  @Override
  public boolean isClient() {
    return kind == Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
  }

  @Override
  public String attribute(String key) {
    // Conversion rules ask with the same key strings span after span: encode each once.
    if (key != wantedKey) {
      wantedKey = key;
      wantedKeyUtf8 = key.getBytes(StandardCharsets.UTF_8);
    }
    byte[] wanted = wantedKeyUtf8;
    r.pos = spanStart;
    for (int kvEnd; (kvEnd = nextKeyValue(spanEnd, ATTRIBUTE)) >= 0; r.pos = kvEnd) {
      if (Arrays.equals(buf, keyStart, keyStart + keyLength, wanted, 0, wanted.length)) return valueText(kvStart, kvEnd);
    }
    return null;
  }

  @Override
  public Span span() {
    try {
      return Span.parser().parseFrom(buf, spanStart, spanEnd - spanStart);
    } catch (InvalidProtocolBufferException e) {
      throw checkMissed(e);
    }
  }

  /** protobuf-java refused what the request check let through: a bug in the check, not bad input. */
  private static IllegalStateException checkMissed(InvalidProtocolBufferException e) {
    return new IllegalStateException("the OTLP request check passed bytes protobuf-java refuses", e);
  }
}

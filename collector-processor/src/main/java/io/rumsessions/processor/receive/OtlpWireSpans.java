package io.rumsessions.processor.receive;

import static io.rumsessions.processor.receive.ProtoReader.FIXED64;
import static io.rumsessions.processor.receive.ProtoReader.LENGTH_DELIMITED;
import static io.rumsessions.processor.receive.ProtoReader.VARINT;
import static io.rumsessions.processor.receive.ProtoReader.fieldTag;
import static io.rumsessions.processor.receive.WireAttributes.ARRAY_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.BOOL_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.BYTES_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.DOUBLE_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.INT_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.KVLIST_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.STRINDEX_VALUE;
import static io.rumsessions.processor.receive.WireAttributes.STRING_VALUE;

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
 *
 * <p>One pass over the bytes checks the whole request as protobuf-java's parser would ({@link
 * TraceRequestCheck}, which gets every field this reader does not read itself), so it is taken
 * whole or refused whole, and records what the pipeline reads: per span its ids, name, kind,
 * status code, start time and where its attributes' keys and values lie; per resource where its
 * attributes lie. The walk then reads those records, not the bytes again (as {@link
 * OtlpJsonSpans} does for JSON). A resource, a scope or a span is parsed by protobuf-java from its
 * bytes only when it is forwarded.
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


  /** Records a reader kept for the next request may hold (a few hundred KB); a larger one is dropped. */
  private static final int KEEP_SPANS = 1024;
  private static final int KEEP_ATTRIBUTES = 16384;

  // A resource (ResourceSpans): its bytes, its attributes, its scopes.
  private static final int R_START = 0, R_END = 1, R_ATTR_FROM = 2, R_ATTR_TO = 3, R_SCOPE_FROM = 4, R_SCOPE_TO = 5;
  private static final int R_FIELDS = 6;
  // A scope (ScopeSpans): its bytes, its spans.
  private static final int C_START = 0, C_END = 1, C_SPAN_FROM = 2, C_SPAN_TO = 3;
  private static final int C_FIELDS = 4;
  // A span: its bytes, ids, name (offsets and lengths), kind, status code, start time (two halves), attributes.
  private static final int S_START = 0, S_END = 1, S_TRACE = 2, S_TRACE_LENGTH = 3, S_SPAN_ID = 4, S_SPAN_ID_LENGTH = 5,
      S_NAME = 6, S_NAME_LENGTH = 7, S_KIND = 8, S_STATUS = 9, S_TIME_LOW = 10, S_TIME_HIGH = 11, S_ATTR_FROM = 12,
      S_ATTR_TO = 13;
  private static final int S_FIELDS = 14;

  private final TraceRequestCheck check = new TraceRequestCheck();
  private byte[] buf;
  private ProtoReader r;

  private int resources;
  private int[] resourceRecords = new int[2 * R_FIELDS];
  private int scopes;
  private int[] scopeRecords = new int[2 * C_FIELDS];
  private int spans;
  private int[] spanRecords = new int[8 * S_FIELDS];
  private final WireAttributes resourceAttributes = new WireAttributes();
  private final WireAttributes spanAttributes = new WireAttributes();

  // The walk: the current resource, scope and span (record offsets), and where their lists end.
  private int resource;
  private int scopeAt;
  private int scopesEnd;
  private int spanAt;
  private int spansEnd;
  private Resource resourceMessage;
  private InstrumentationScope scopeMessage;
  private String name;

  // A request's spans repeat their names and many values: each distinct text decoded once.
  private final RequestTexts texts = new RequestTexts();

  private final SpanFacts resourceScratch = new SpanFacts();
  // The key attribute() last looked for, as UTF-8.
  private String wantedKey;
  private byte[] wantedKeyUtf8;

  /** A reader for {@link #read(byte[], int, OtlpWireSpans)}: a receiver thread keeps one. */
  public OtlpWireSpans() {}

  /** Reads {@code buf[0, length)}, refusing it whole if protobuf-java would not parse it. */
  public static OtlpWireSpans read(byte[] buf, int length) throws MalformedPayloadException {
    return read(buf, length, new OtlpWireSpans());
  }

  /**
   * As {@link #read(byte[], int)}, into {@code reader}: a new one or one whose request is done with
   * ({@link #release}), whose records are used again.
   */
  public static OtlpWireSpans read(byte[] buf, int length, OtlpWireSpans reader) throws MalformedPayloadException {
    reader.reset(buf);
    try {
      reader.request(length);
    } catch (ProtoReader.Malformed e) {
      throw new MalformedPayloadException("invalid OTLP protobuf: " + e.getMessage());
    }
    return reader;
  }

  /**
   * Lets go of the request: its bytes, texts and messages, so that a reader kept for the next
   * request holds none of them meanwhile. Returns whether the reader is worth keeping: not when a
   * large request grew its records past {@link #KEEP_SPANS} or {@link #KEEP_ATTRIBUTES}.
   */
  public boolean release() {
    buf = null;
    r = null;
    texts.clear();
    resourceMessage = null;
    scopeMessage = null;
    name = null;
    return spanRecords.length <= KEEP_SPANS * S_FIELDS
        && spanAttributes.capacity() <= KEEP_ATTRIBUTES && resourceAttributes.capacity() <= KEEP_ATTRIBUTES;
  }

  private void reset(byte[] bytes) {
    buf = bytes;
    r = new ProtoReader(bytes);
    resources = scopes = spans = 0;
    resourceAttributes.clear();
    spanAttributes.clear();
    resource = -R_FIELDS;
    resourceMessage = null;
    scopeMessage = null;
    name = null;
    texts.clear();
  }

  // ---- the check and the record: every field this reader does not record goes to the check ----

  private void request(int length) {
    r.pos = 0;
    while (r.pos < length) {
      int tag = r.tag(length);
      if (tag == RESOURCE_SPANS) resourceSpans(r.delimited(length));
      else check.field(r, tag, length, TraceRequestCheck.REQUEST, 0);
    }
  }

  /** A ResourceSpans (nested 1 deep) from {@code r.pos} to {@code end}. */
  private void resourceSpans(int end) {
    int[] rec = resourceRecords = withRoom(resourceRecords, (resources + 1) * R_FIELDS);
    int at = resources++ * R_FIELDS;
    rec[at + R_START] = r.pos;
    rec[at + R_END] = end;
    rec[at + R_ATTR_FROM] = resourceAttributes.count();
    rec[at + R_SCOPE_FROM] = scopes;
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == RESOURCE) resource(r.delimited(end));
      else if (tag == SCOPE_SPANS) scopeSpans(r.delimited(end));
      else check.field(r, tag, end, TraceRequestCheck.RESOURCE_SPANS, 1);
    }
    // Occurrences of the resource merge: their attributes in order, as in the parsed message.
    rec[at + R_ATTR_TO] = resourceAttributes.count();
    rec[at + R_SCOPE_TO] = scopes;
  }

  /** {@code records}, or a copy twice as long if it is shorter than {@code needed}. */
  private static int[] withRoom(int[] records, int needed) {
    return needed <= records.length ? records : Arrays.copyOf(records, records.length * 2);
  }

  /** A Resource (nested 2 deep). */
  private void resource(int end) {
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == RESOURCE_ATTRIBUTE) keyValue(resourceAttributes, r.delimited(end), 3);
      else check.field(r, tag, end, TraceRequestCheck.RESOURCE, 2);
    }
  }

  /** A ScopeSpans (nested 2 deep). */
  private void scopeSpans(int end) {
    int[] rec = scopeRecords = withRoom(scopeRecords, (scopes + 1) * C_FIELDS);
    int at = scopes++ * C_FIELDS;
    rec[at + C_START] = r.pos;
    rec[at + C_END] = end;
    rec[at + C_SPAN_FROM] = spans;
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == SPAN) span(r.delimited(end));
      else check.field(r, tag, end, TraceRequestCheck.SCOPE_SPANS, 2);
    }
    rec[at + C_SPAN_TO] = spans;
  }

  /** A Span (nested 3 deep). */
  private void span(int end) {
    ProtoReader r = this.r;
    int[] rec = spanRecords = withRoom(spanRecords, (spans + 1) * S_FIELDS);
    int at = spans++ * S_FIELDS;
    rec[at + S_START] = r.pos;
    rec[at + S_END] = end;
    rec[at + S_TRACE_LENGTH] = 0;
    rec[at + S_SPAN_ID_LENGTH] = 0;
    rec[at + S_NAME] = 0;
    rec[at + S_NAME_LENGTH] = 0;
    rec[at + S_KIND] = 0;
    rec[at + S_STATUS] = 0;
    rec[at + S_TIME_LOW] = 0;
    rec[at + S_TIME_HIGH] = 0;
    rec[at + S_ATTR_FROM] = spanAttributes.count();
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == ATTRIBUTE) {
        keyValue(spanAttributes, r.delimited(end), 4);
      } else if (tag == TRACE_ID) {
        int e = r.delimited(end);
        rec[at + S_TRACE] = r.pos;
        rec[at + S_TRACE_LENGTH] = e - r.pos;
        r.pos = e;
      } else if (tag == SPAN_ID) {
        int e = r.delimited(end);
        rec[at + S_SPAN_ID] = r.pos;
        rec[at + S_SPAN_ID_LENGTH] = e - r.pos;
        r.pos = e;
      } else if (tag == NAME) {
        int e = r.delimited(end);
        r.checkUtf8(r.pos, e);
        rec[at + S_NAME] = r.pos;
        rec[at + S_NAME_LENGTH] = e - r.pos;
        r.pos = e;
      } else if (tag == KIND) {
        rec[at + S_KIND] = (int) r.varint(end);
      } else if (tag == START_TIME) {
        long t = r.fixed64(end);
        rec[at + S_TIME_LOW] = (int) t;
        rec[at + S_TIME_HIGH] = (int) (t >>> 32);
      } else if (tag == STATUS) {
        // Occurrences of a singular message merge: the last code on the wire wins.
        int e = r.delimited(end);
        while (r.pos < e) {
          int t = r.tag(e);
          if (t == STATUS_CODE) rec[at + S_STATUS] = (int) r.varint(e);
          else check.field(r, t, e, TraceRequestCheck.STATUS, 4);
        }
      } else {
        check.field(r, tag, end, TraceRequestCheck.SPAN, 3);
      }
    }
    rec[at + S_ATTR_TO] = spanAttributes.count();
  }

  /**
   * A KeyValue nested {@code level} deep: its key (the last, as a parser keeps) and value recorded.
   * Its AnyValue is read here too, not in a call of its own: this runs for every attribute.
   */
  private void keyValue(WireAttributes into, int end, int level) {
    ProtoReader r = this.r;
    int i = into.add();
    while (r.pos < end) {
      int tag = r.tag(end);
      if (tag == KEY) {
        int e = r.delimited(end);
        r.checkUtf8(r.pos, e);
        into.key(i, r.pos, e - r.pos);
        r.pos = e;
      } else if (tag == VALUE) {
        // Occurrences of the value merge; of its oneof, the last case on the wire wins.
        int valueEnd = r.delimited(end);
        while (r.pos < valueEnd) {
          int t = r.tag(valueEnd);
          if (t == STRING_VALUE) {
            int e = r.delimited(valueEnd);
            r.checkUtf8(r.pos, e);
            into.value(i, t, r.pos, e);
            r.pos = e;
          } else if (t == BOOL_VALUE || t == INT_VALUE || t == STRINDEX_VALUE) {
            into.bits(i, t, r.varint(valueEnd));
          } else if (t == DOUBLE_VALUE) {
            into.bits(i, t, r.fixed64(valueEnd));
          } else {
            // Arrays, maps and bytes read as no text: only their case is kept, the check reads them.
            if (t == ARRAY_VALUE || t == KVLIST_VALUE || t == BYTES_VALUE) into.value(i, t, 0, 0);
            check.field(r, t, valueEnd, TraceRequestCheck.ANY_VALUE, level + 1);
          }
        }
      } else {
        check.field(r, tag, end, TraceRequestCheck.KEY_VALUE, level);
      }
    }
  }

  // ---- the walk ----

  @Override
  public boolean nextResource() {
    if (resource + R_FIELDS >= resources * R_FIELDS) {
      resource = resources * R_FIELDS;
      return false;
    }
    resource += R_FIELDS;
    scopeAt = (resourceRecords[resource + R_SCOPE_FROM] - 1) * C_FIELDS;
    scopesEnd = resourceRecords[resource + R_SCOPE_TO] * C_FIELDS;
    resourceMessage = null;
    return true;
  }

  @Override
  public Resource resource() {
    if (resourceMessage == null) {
      resourceMessage = (Resource) merged(resourceRecords[resource + R_START], resourceRecords[resource + R_END], RESOURCE,
          Resource.newBuilder());
    }
    return resourceMessage;
  }

  @Override
  public ResourceFacts resourceFacts(InputMapping mapping) {
    mapping.begin(resourceScratch);
    String service = null;
    WireAttributes a = resourceAttributes;
    for (int i = resourceRecords[resource + R_ATTR_FROM], to = resourceRecords[resource + R_ATTR_TO]; i < to; i++) {
      if (mapping.isServiceName(buf, a.keyStart(i), a.keyLength(i))) {
        service = a.text(i, buf, texts);
      } else {
        int role = mapping.role(buf, a.keyStart(i), a.keyLength(i));
        if (role >= 0 && mapping.wants(role, resourceScratch)) mapping.offer(role, a.text(i, buf, texts), resourceScratch);
      }
    }
    return mapping.resourceFacts(service, resourceScratch);
  }

  @Override
  public boolean nextScope() {
    if (scopeAt + C_FIELDS >= scopesEnd) {
      scopeAt = scopesEnd;
      return false;
    }
    scopeAt += C_FIELDS;
    spanAt = (scopeRecords[scopeAt + C_SPAN_FROM] - 1) * S_FIELDS;
    spansEnd = scopeRecords[scopeAt + C_SPAN_TO] * S_FIELDS;
    scopeMessage = null;
    return true;
  }

  @Override
  public InstrumentationScope scope() {
    if (scopeMessage == null) {
      scopeMessage = (InstrumentationScope) merged(scopeRecords[scopeAt + C_START], scopeRecords[scopeAt + C_END], SCOPE,
          InstrumentationScope.newBuilder());
    }
    return scopeMessage;
  }

  /** Every occurrence of a singular message field merged, as a parser does. */
  private com.google.protobuf.Message merged(int from, int end, int wanted, com.google.protobuf.Message.Builder builder) {
    try {
      r.pos = from;
      while (r.pos < end) {
        int tag = r.tag(end);
        if (tag != wanted) {
          r.skip(tag, end, 0);
          continue;
        }
        int fieldEnd = r.delimited(end);
        builder.mergeFrom(buf, r.pos, fieldEnd - r.pos);
        r.pos = fieldEnd;
      }
    } catch (InvalidProtocolBufferException e) {
      throw checkMissed(e);
    }
    return builder.build();
  }

  @Override
  public boolean nextSpan() {
    if (spanAt + S_FIELDS >= spansEnd) {
      spanAt = spansEnd;
      return false;
    }
    spanAt += S_FIELDS;
    name = null;
    return true;
  }

  @Override
  public boolean hasValidIds() {
    return spanRecords[spanAt + S_TRACE_LENGTH] == 16 && spanRecords[spanAt + S_SPAN_ID_LENGTH] == 8;
  }

  @Override
  public void map(InputMapping mapping, ResourceFacts resourceFacts, SpanFacts out) {
    mapping.begin(out);
    int[] rec = spanRecords;
    int at = spanAt;
    WireAttributes a = spanAttributes;
    for (int i = rec[at + S_ATTR_FROM], to = rec[at + S_ATTR_TO]; i < to; i++) {
      int role = mapping.role(buf, a.keyStart(i), a.keyLength(i));
      if (role >= 0 && mapping.wants(role, out)) mapping.offer(role, a.text(i, buf, texts), out);
    }
    long startNanos = (long) rec[at + S_TIME_HIGH] << 32 | (rec[at + S_TIME_LOW] & 0xffffffffL);
    mapping.finish(resourceFacts, out, name(), rec[at + S_KIND], rec[at + S_STATUS], startNanos);
  }

  @Override
  public long traceIdHigh() {
    return bigEndian(spanRecords[spanAt + S_TRACE]);
  }

  @Override
  public long traceIdLow() {
    return bigEndian(spanRecords[spanAt + S_TRACE] + 8);
  }

  @Override
  public long spanId() {
    return bigEndian(spanRecords[spanAt + S_SPAN_ID]);
  }

  private long bigEndian(int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) v = v << 8 | (buf[i] & 0xff);
    return v;
  }

  @Override
  public String name() {
    if (name == null) name = texts.text(buf, spanRecords[spanAt + S_NAME], spanRecords[spanAt + S_NAME_LENGTH]);
    return name;
  }

  @Override
  public boolean isClient() {
    return spanRecords[spanAt + S_KIND] == Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
  }

  @Override
  public String attribute(String key) {
    // Conversion rules ask with the same key strings span after span: encode each once.
    if (key != wantedKey) {
      wantedKey = key;
      wantedKeyUtf8 = key.getBytes(StandardCharsets.UTF_8);
    }
    byte[] wanted = wantedKeyUtf8;
    WireAttributes a = spanAttributes;
    // The first attribute of that name, as the message walk finds it.
    for (int i = spanRecords[spanAt + S_ATTR_FROM], to = spanRecords[spanAt + S_ATTR_TO]; i < to; i++) {
      int k = a.keyStart(i);
      if (Arrays.equals(buf, k, k + a.keyLength(i), wanted, 0, wanted.length)) return a.text(i, buf, texts);
    }
    return null;
  }

  @Override
  public Span span() {
    try {
      int at = spanAt;
      return Span.parser().parseFrom(buf, spanRecords[at + S_START], spanRecords[at + S_END] - spanRecords[at + S_START]);
    } catch (InvalidProtocolBufferException e) {
      throw checkMissed(e);
    }
  }

  /** protobuf-java refused what the request check let through: a bug in the check, not bad input. */
  private static IllegalStateException checkMissed(InvalidProtocolBufferException e) {
    return new IllegalStateException("the OTLP request check passed bytes protobuf-java refuses", e);
  }
}

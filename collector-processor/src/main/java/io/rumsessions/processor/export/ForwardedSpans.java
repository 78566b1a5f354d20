package io.rumsessions.processor.export;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.rumsessions.processor.privacy.Redaction;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns a received protobuf span into an SDK span for re-export, with the session the
 * processor assigned ({@code session.id}, {@code rum.session.sequence}) and, for visitors who
 * have not consented, personal attributes removed and URL queries reduced.
 */
public final class ForwardedSpans {
  static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
  static final AttributeKey<Long> SEQUENCE = AttributeKey.longKey("rum.session.sequence");
  static final AttributeKey<String> SYNTHETIC_TYPE = AttributeKey.stringKey("user_agent.synthetic.type");

  private final Redaction redaction;

  private final int maxAttributes;
  private final int maxValueLength;
  private final java.util.concurrent.atomic.LongAdder truncated = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();

  public ForwardedSpans(Redaction redaction) {
    this(redaction, 128, 4096);
  }

  /**
   * @param maxAttributes attributes kept per span, resource, event or link (as the OTel SDK's
   *     span limits, 128 by default); the rest are dropped and added to the dropped count
   * @param maxValueLength string values (and array elements) longer than this are cut
   */
  public ForwardedSpans(Redaction redaction, int maxAttributes, int maxValueLength) {
    this.redaction = redaction;
    this.maxAttributes = maxAttributes;
    this.maxValueLength = maxValueLength;
  }

  /** String values cut to the maximum length so far. */
  public long truncatedValues() {
    return truncated.sum();
  }

  /** Attributes dropped beyond the maximum count so far. */
  public long droppedAttributes() {
    return dropped.sum();
  }

  /** The SDK form of one resource and scope, converted once per batch and shared by its spans. */
  public final class Origin {
    private final io.opentelemetry.proto.resource.v1.Resource protoResource;
    private Resource full;
    private Resource redacted;

    public Origin(io.opentelemetry.proto.resource.v1.Resource protoResource) {
      this.protoResource = protoResource;
    }

    Resource resource(boolean granted) {
      if (granted) {
        if (full == null) full = Resource.create(attributes(protoResource.getAttributesList(), false));
        return full;
      }
      if (redacted == null) redacted = Resource.create(attributes(protoResource.getAttributesList(), true));
      return redacted;
    }
  }

  /** The SDK form of a scope, converted once per ScopeSpans and shared by its spans. */
  public InstrumentationScopeInfo scope(InstrumentationScope scope) {
    return InstrumentationScopeInfo.builder(scope.getName())
        .setVersion(scope.getVersion().isEmpty() ? null : scope.getVersion()).build();
  }

  public ExportedSpan of(Origin origin, InstrumentationScopeInfo scope, Span span, boolean granted, String sessionId, int sequence, boolean bot) {
    AttributesBuilder b = Attributes.builder();
    int droppedHere = addAll(b, span.getAttributesList(), !granted);
    if (bot) b.put(SYNTHETIC_TYPE, "bot");
    if (sessionId != null) b.put(SESSION_ID, sessionId);
    if (sequence > 0) b.put(SEQUENCE, sequence);
    Attributes attrs = b.build();

    List<EventData> events = new ArrayList<>(span.getEventsCount());
    for (Span.Event e : span.getEventsList()) {
      events.add(EventData.create(e.getTimeUnixNano(), e.getName(), attributes(e.getAttributesList(), !granted),
          e.getAttributesCount() + e.getDroppedAttributesCount()));
    }
    List<LinkData> links = new ArrayList<>(span.getLinksCount());
    for (Span.Link l : span.getLinksList()) {
      links.add(LinkData.create(context(l.getTraceId().toByteArray(), l.getSpanId().toByteArray(), l.getFlags(), l.getTraceState()),
          attributes(l.getAttributesList(), !granted)));
    }
    SpanContext self = context(span.getTraceId().toByteArray(), span.getSpanId().toByteArray(), span.getFlags(), span.getTraceState());
    SpanContext parent = span.getParentSpanId().isEmpty()
        ? SpanContext.getInvalid()
        : context(span.getTraceId().toByteArray(), span.getParentSpanId().toByteArray(), span.getFlags(), "");
    return new ExportedSpan(span.getName(), kind(span.getKind()), self, parent, status(span.getStatus()),
        span.getStartTimeUnixNano(), Math.max(span.getEndTimeUnixNano(), span.getStartTimeUnixNano()),
        attrs, attrs.size() + droppedHere + span.getDroppedAttributesCount(), events,
        span.getEventsCount() + span.getDroppedEventsCount(), links,
        span.getLinksCount() + span.getDroppedLinksCount(), scope, origin.resource(granted));
  }

  private Attributes attributes(List<KeyValue> kvs, boolean redact) {
    if (kvs.isEmpty()) return Attributes.empty();
    AttributesBuilder b = Attributes.builder();
    addAll(b, kvs, redact);
    return b.build();
  }

  /** Adds up to {@code maxAttributes} of {@code kvs}; returns how many were dropped beyond that. */
  private int addAll(AttributesBuilder b, List<KeyValue> kvs, boolean redact) {
    int kept = 0;
    int droppedHere = 0;
    for (KeyValue kv : kvs) {
      String key = kv.getKey();
      if (redact && redaction.removes(key)) continue;
      if (kept == maxAttributes) {
        // A span with 100,000 attributes fits in a 4 MiB request; forwarded whole it would be
        // 100,000 SDK attributes per span in the export queue and at the backend.
        droppedHere++;
        continue;
      }
      kept++;
      AnyValue v = kv.getValue();
      switch (v.getValueCase()) {
        case STRING_VALUE -> {
          String s = v.getStringValue();
          if (redaction.isUrl(key)) s = redact ? redaction.reduce(s) : redaction.withoutIdParameter(s);
          b.put(key, cut(s));
        }
        case BOOL_VALUE -> b.put(key, v.getBoolValue());
        case INT_VALUE -> b.put(key, v.getIntValue());
        case DOUBLE_VALUE -> b.put(key, v.getDoubleValue());
        case ARRAY_VALUE -> putArray(b, key, v);
        case KVLIST_VALUE, BYTES_VALUE -> b.put(key, cut(v.toString()));
        default -> { }
      }
    }
    if (droppedHere > 0) dropped.add(droppedHere);
    return droppedHere;
  }

  private String cut(String s) {
    if (s.length() <= maxValueLength) return s;
    truncated.increment();
    return s.substring(0, maxValueLength);
  }

  private void putArray(AttributesBuilder b, String key, AnyValue v) {
    List<AnyValue> values = v.getArrayValue().getValuesList();
    if (values.isEmpty()) return;
    switch (values.get(0).getValueCase()) {
      case BOOL_VALUE -> {
        boolean[] a = new boolean[values.size()];
        for (int i = 0; i < a.length; i++) a[i] = values.get(i).getBoolValue();
        b.put(key, a);
      }
      case INT_VALUE -> {
        long[] a = new long[values.size()];
        for (int i = 0; i < a.length; i++) a[i] = values.get(i).getIntValue();
        b.put(key, a);
      }
      case DOUBLE_VALUE -> {
        double[] a = new double[values.size()];
        for (int i = 0; i < a.length; i++) a[i] = values.get(i).getDoubleValue();
        b.put(key, a);
      }
      default -> {
        String[] a = new String[values.size()];
        for (int i = 0; i < a.length; i++) a[i] = cut(values.get(i).getStringValue());
        b.put(key, a);
      }
    }
  }

  private static SpanContext context(byte[] traceId, byte[] spanId, int flags, String traceState) {
    HexFormat hex = HexFormat.of();
    return SpanContext.createFromRemoteParent(hex.formatHex(traceId), hex.formatHex(spanId),
        TraceFlags.fromByte((byte) (flags & 0xff)), TraceState.getDefault());
  }

  private static SpanKind kind(Span.SpanKind k) {
    return switch (k) {
      case SPAN_KIND_SERVER -> SpanKind.SERVER;
      case SPAN_KIND_CLIENT -> SpanKind.CLIENT;
      case SPAN_KIND_PRODUCER -> SpanKind.PRODUCER;
      case SPAN_KIND_CONSUMER -> SpanKind.CONSUMER;
      default -> SpanKind.INTERNAL;
    };
  }

  private static StatusData status(Status s) {
    return switch (s.getCode()) {
      case STATUS_CODE_OK -> StatusData.ok();
      case STATUS_CODE_ERROR -> StatusData.create(io.opentelemetry.api.trace.StatusCode.ERROR, s.getMessage());
      default -> StatusData.unset();
    };
  }
}

package io.rumsessions.processor.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;

/** The spans of a decoded request message. */
public final class MessageSpans implements SpanSource {
  private final ExportTraceServiceRequest request;
  private int resourceIndex = -1;
  private int scopeIndex;
  private int spanIndex;
  private ResourceSpans resourceSpans;
  private ScopeSpans scopeSpans;
  private Span span;

  public MessageSpans(ExportTraceServiceRequest request) {
    this.request = request;
  }

  @Override
  public boolean nextResource() {
    if (++resourceIndex >= request.getResourceSpansCount()) return false;
    resourceSpans = request.getResourceSpans(resourceIndex);
    scopeIndex = -1;
    return true;
  }

  @Override
  public Resource resource() {
    return resourceSpans.getResource();
  }

  @Override
  public ResourceFacts resourceFacts(InputMapping mapping) {
    return mapping.resource(resourceSpans.getResource());
  }

  @Override
  public boolean nextScope() {
    if (++scopeIndex >= resourceSpans.getScopeSpansCount()) return false;
    scopeSpans = resourceSpans.getScopeSpans(scopeIndex);
    spanIndex = -1;
    return true;
  }

  @Override
  public InstrumentationScope scope() {
    return scopeSpans.getScope();
  }

  @Override
  public boolean nextSpan() {
    if (++spanIndex >= scopeSpans.getSpansCount()) return false;
    span = scopeSpans.getSpans(spanIndex);
    return true;
  }

  @Override
  public boolean hasValidIds() {
    return span.getTraceId().size() == 16 && span.getSpanId().size() == 8;
  }

  @Override
  public void map(InputMapping mapping, ResourceFacts resource, SpanFacts out) {
    mapping.span(resource, span, out);
  }

  @Override
  public long traceIdHigh() {
    return bigEndian(span.getTraceId(), 0);
  }

  @Override
  public long traceIdLow() {
    return bigEndian(span.getTraceId(), 8);
  }

  @Override
  public long spanId() {
    return bigEndian(span.getSpanId(), 0);
  }

  private static long bigEndian(ByteString bytes, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) v = v << 8 | (bytes.byteAt(i) & 0xff);
    return v;
  }

  @Override
  public String name() {
    return span.getName();
  }

  @Override
  public boolean isClient() {
    return span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT;
  }

  @Override
  public String attribute(String key) {
    for (KeyValue kv : span.getAttributesList()) {
      if (kv.getKey().equals(key)) return InputMapping.stringOf(kv.getValue());
    }
    return null;
  }

  @Override
  public Span span() {
    return span;
  }
}

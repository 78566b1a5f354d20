package io.rumsessions.extension.request;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Removes the request-header attributes the extension asked the agent to capture (see {@link
 * HeaderCapture}) from every span before the wrapped exporter sees it. Spans without such
 * attributes (all but HTTP server spans) pass through unchanged.
 */
public final class RedactingSpanExporter implements SpanExporter {

  private final SpanExporter delegate;
  private final Set<AttributeKey<?>> redacted;

  public RedactingSpanExporter(SpanExporter delegate, Set<AttributeKey<?>> redacted) {
    this.delegate = delegate;
    this.redacted = redacted;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    List<SpanData> out = new ArrayList<>(spans.size());
    boolean changed = false;
    for (SpanData span : spans) {
      SpanData r = redact(span);
      changed |= r != span;
      out.add(r);
    }
    return delegate.export(changed ? out : spans);
  }

  SpanData redact(SpanData span) {
    Attributes attributes = span.getAttributes();
    boolean found = false;
    for (AttributeKey<?> key : redacted) {
      if (attributes.get(key) != null) {
        found = true;
        break;
      }
    }
    if (!found) {
      return span;
    }
    Attributes kept = attributes.toBuilder().removeIf(redacted::contains).build();
    return new Redacted(span, kept, attributes.size() - kept.size());
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "RedactingSpanExporter{" + delegate + "}";
  }

  private static final class Redacted extends DelegatingSpanData {
    private final Attributes attributes;
    private final int removed;

    Redacted(SpanData delegate, Attributes attributes, int removed) {
      super(delegate);
      this.attributes = attributes;
      this.removed = removed;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public int getTotalAttributeCount() {
      return super.getTotalAttributeCount() - removed;
    }
  }
}

package io.rumsessions.extension.bots;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.rumsessions.extension.request.RequestAttributes;
import java.util.List;

/**
 * Wraps the configured sampler and records nothing for bot requests ({@code bots.mode=drop}):
 * an HTTP server span that starts a local trace (no parent, or a remote one) is dropped when the
 * {@link BotDetector} judges the attributes known at start ({@code user_agent.original}, {@code
 * url.path}, {@code client.address}); spans below a dropped one are dropped as well. Every other
 * span is the configured sampler's decision.
 */
public final class BotDropSampler implements Sampler {

  private final Sampler delegate;
  private final BotDetector detector;
  private final DroppedTraces dropped = new DroppedTraces(1024);

  public BotDropSampler(Sampler delegate, BotDetector detector) {
    this.delegate = delegate;
    this.detector = detector;
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    SpanContext parent = Span.fromContext(parentContext).getSpanContext();
    boolean localParent = parent.isValid() && !parent.isRemote();
    if (spanKind == SpanKind.SERVER && !localParent) {
      BotDecision decision =
          detector.decide(
              RequestAttributes.userAgent(attributes),
              RequestAttributes.path(attributes),
              RequestAttributes.clientAddress(attributes),
              parent.isRemote());
      if (decision != null) {
        dropped.add(traceId);
        return SamplingResult.drop();
      }
    } else if (localParent && !parent.isSampled() && dropped.contains(traceId)) {
      return SamplingResult.drop();
    }
    return delegate.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "BotDropSampler{" + delegate.getDescription() + "}";
  }

  @Override
  public String toString() {
    return getDescription();
  }
}

package io.rumsessions.processor.export;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.rumsessions.processor.session.BounceRule;
import io.rumsessions.processor.session.EngagementRule;
import io.rumsessions.processor.session.SessionSummary;
import java.util.List;

/** Builds the one {@code session} span an ended session is exported as. */
public final class SessionSpans {
  static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
  static final AttributeKey<Long> PAGEVIEWS = AttributeKey.longKey("rum.session.pageviews");
  static final AttributeKey<Long> INTERACTIONS = AttributeKey.longKey("rum.session.interactions");
  static final AttributeKey<Long> SPANS = AttributeKey.longKey("rum.session.span_count");
  static final AttributeKey<Boolean> BOUNCE = AttributeKey.booleanKey("rum.session.bounce");
  static final AttributeKey<Boolean> ENGAGED = AttributeKey.booleanKey("rum.session.engaged");
  static final AttributeKey<Double> DURATION = AttributeKey.doubleKey("rum.session.duration_seconds");
  static final AttributeKey<String> LANDING = AttributeKey.stringKey("rum.session.landing_page");
  static final AttributeKey<String> EXIT = AttributeKey.stringKey("rum.session.exit_page");
  static final AttributeKey<String> CHANNEL = AttributeKey.stringKey("rum.session.channel");
  static final AttributeKey<String> DEVICE = AttributeKey.stringKey("rum.session.device");
  static final AttributeKey<String> END_REASON = AttributeKey.stringKey("rum.session.end_reason");
  static final AttributeKey<String> PREVIOUS_ID = AttributeKey.stringKey("session.previous_id");
  static final AttributeKey<String> USER_ID = AttributeKey.stringKey("user.id");
  static final AttributeKey<Long> BACKEND_REQUESTS = AttributeKey.longKey("rum.session.backend_requests");
  static final AttributeKey<Long> BACKEND_ERRORS = AttributeKey.longKey("rum.session.backend_errors");
  static final AttributeKey<String> SOURCE = AttributeKey.stringKey("rum.session.source");
  static final AttributeKey<String> MEDIUM = AttributeKey.stringKey("rum.session.medium");
  static final AttributeKey<String> CAMPAIGN = AttributeKey.stringKey("rum.session.campaign");
  static final AttributeKey<Long> CONVERSIONS = AttributeKey.longKey("rum.session.conversions");

  private static final InstrumentationScopeInfo SCOPE =
      InstrumentationScopeInfo.builder("io.rumsessions.processor").setVersion("0.1.0").build();

  private final EngagementRule engagement;
  private final IdGenerator ids = IdGenerator.random();

  public SessionSpans(EngagementRule engagement) {
    this.engagement = engagement;
  }

  ExportedSpan of(SessionSummary s) {
    AttributesBuilder a = Attributes.builder()
        .put(SESSION_ID, s.sessionId())
        .put(PAGEVIEWS, s.pageviews())
        .put(INTERACTIONS, s.interactions())
        .put(SPANS, s.spans())
        .put(BOUNCE, BounceRule.isBounce(s))
        .put(ENGAGED, engagement.isEngaged(s, s.conversions()))
        .put(CONVERSIONS, s.conversions())
        .put(DURATION, s.durationSeconds())
        .put(CHANNEL, s.channel())
        .put(DEVICE, s.device())
        .put(END_REASON, s.endReason().name().toLowerCase(java.util.Locale.ROOT));
    if (s.landingPage() != null) a.put(LANDING, s.landingPage());
    if (s.previousId() != null) a.put(PREVIOUS_ID, s.previousId());
    if (s.attribution() != null) {
      a.put(SOURCE, s.attribution().source());
      a.put(MEDIUM, s.attribution().medium());
      a.put(CAMPAIGN, s.attribution().campaign());
    }
    if (s.userId() != null) a.put(USER_ID, s.userId());
    if (s.backendRequests() > 0) {
      a.put(BACKEND_REQUESTS, s.backendRequests());
      a.put(BACKEND_ERRORS, s.backendErrors());
    }
    if (s.exitPage() != null) a.put(EXIT, s.exitPage());
    Attributes attrs = a.build();
    SpanContext ctx = SpanContext.create(ids.generateTraceId(), ids.generateSpanId(),
        TraceFlags.getSampled(), TraceState.getDefault());
    return new ExportedSpan("session", SpanKind.INTERNAL, ctx, SpanContext.getInvalid(),
        StatusData.unset(), s.firstNanos(), s.lastNanos(), attrs, attrs.size(), List.of(), 0,
        List.of(), 0, SCOPE, Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), s.service())));
  }
}

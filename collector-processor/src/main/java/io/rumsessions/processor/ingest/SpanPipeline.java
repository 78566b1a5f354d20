package io.rumsessions.processor.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.CampaignAttributor;
import io.rumsessions.processor.attribution.ConversionRules;
import io.rumsessions.processor.bots.BotFilter;
import io.rumsessions.processor.export.ForwardedSpans;
import io.rumsessions.processor.export.SpanExportQueue;
import io.rumsessions.processor.identity.TraceSessions;
import io.rumsessions.processor.identity.VisitorIdentity;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.PagePaths;
import io.rumsessions.processor.input.PageUrl;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.metrics.ServiceNames;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.visitors.UniqueVisitors;
import io.rumsessions.processor.visitors.VisitorKey;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The walk every span takes, in order: map its attributes, check it, identify the visitor,
 * place it in a session, and forward it. One instance serves all receiver threads; per-span
 * scratch objects are per thread.
 */
public final class SpanPipeline {
  private final InputMapping mapping;
  private final VisitorIdentity identity;
  private final BotFilter bots;
  private final CampaignAttributor attributor;
  private final ConversionRules conversions;
  private final SessionStore sessions;
  private final TraceSessions traces;
  private final ServiceNames services;
  private final RumMetrics metrics;
  private final ForwardedSpans forwarded;
  private final SpanExportQueue exportQueue;
  private final UniqueVisitors visitors;
  private final InstantSource clock;
  private final long maxSkewNanos;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
  /** Landing and exit pages are kept per session; sessions share one copy of each path. */
  private final PagePaths pages = new PagePaths(4096);

  private static final class Scratch {
    final SpanFacts facts = new SpanFacts();
    final SessionEvent event = new SessionEvent();
    final Assignment assignment = new Assignment();
  }

  /**
   * @param forwarded null when received spans are not forwarded
   */
  public SpanPipeline(InputMapping mapping, VisitorIdentity identity, BotFilter bots, CampaignAttributor attributor,
      ConversionRules conversions, SessionStore sessions, TraceSessions traces,
      ServiceNames services, RumMetrics metrics, ForwardedSpans forwarded, SpanExportQueue exportQueue,
      UniqueVisitors visitors, InstantSource clock, Duration maxClockSkew) {
    this.mapping = mapping;
    this.identity = identity;
    this.bots = bots;
    this.attributor = attributor;
    this.conversions = conversions;
    this.sessions = sessions;
    this.traces = traces;
    this.services = services;
    this.metrics = metrics;
    this.forwarded = exportQueue == null ? null : forwarded;
    this.exportQueue = exportQueue;
    this.visitors = visitors;
    this.clock = clock;
    this.maxSkewNanos = maxClockSkew.toNanos();
  }

  /**
   * A visitor is known by its {@code user.id} when it consented to one lasting across days, else by
   * today's cookie-free id (which the session key already is without consent).
   */
  private void countVisitor(SpanFacts f, boolean granted, String service, String key, String ua, String address,
      String host, long nowMillis) {
    VisitorKey visitor;
    if (granted && f.userId != null) visitor = VisitorKey.persistent(f.userId);
    else if (granted && f.clientSessionId != null) visitor = VisitorKey.daily(identity.cookieFreeId(service, ua, address, host, nowMillis));
    else visitor = VisitorKey.daily(key);
    metrics.visitorSession(service, visitors.sessionStarted(service, visitor, nowMillis));
  }

  public IngestResult ingest(ExportTraceServiceRequest request, RequestContext ctx) {
    return ingest(new MessageSpans(request), ctx);
  }

  public IngestResult ingest(SpanSource spans, RequestContext ctx) {
    long nowMillis = clock.millis();
    long nowNanos = nowMillis * 1_000_000L;
    Scratch s = scratch.get();
    long acceptedTotal = 0;
    long rejectedTotal = 0;
    String firstError = "";
    while (spans.nextResource()) {
      ResourceFacts rf = spans.resourceFacts(mapping);
      String service = services.canonical(rf.serviceName());
      ForwardedSpans.Origin origin = forwarded == null ? null : forwarded.new Origin(spans.resource());
      long accepted = 0;
      long late = 0;
      long invalid = 0;
      long badTime = 0;
      long limited = 0;
      long bot = 0;
      long backendAttributed = 0;
      long backendUnattributed = 0;
      while (spans.nextScope()) {
        InstrumentationScopeInfo scope = forwarded == null ? null : forwarded.scope(spans.scope());
        while (spans.nextSpan()) {
          if (!spans.hasValidIds()) {
            invalid++;
            if (firstError.isEmpty()) firstError = "span without a valid traceId and spanId";
            continue;
          }
          SpanFacts f = s.facts;
          spans.map(mapping, rf, f);
          long t = f.timeNanos;
          if (t <= 0 || Math.abs(t - nowNanos) > maxSkewNanos) {
            badTime++;
            if (firstError.isEmpty()) firstError = "span start time is further than the allowed clock skew from now";
            continue;
          }
          boolean granted = identity.granted(f.consent, ctx);
          if (f.backend) {
            // A backend span joins the browser session whose fetch started its trace; it never
            // starts, extends or splits a session.
            String sessionId = sessions.recordBackend(traces.sessionOf(spans.traceIdHigh(), spans.traceIdLow()), f.error);
            if (sessionId != null) backendAttributed++;
            else backendUnattributed++;
            if (forwarded != null) {
              exportQueue.offer("forwarded", forwarded.of(origin, scope, spans.span(), granted, sessionId, 0, false));
            }
            continue;
          }
          // The request's user agent only counts when a browser posted directly (see RequestContext).
          String ua = ctx.browserUserAgent() != null ? ctx.browserUserAgent() : f.userAgent;
          String address = f.clientAddress != null ? f.clientAddress : ctx.peerAddress();
          String host = PageUrl.host(f.url);
          String key = identity.keyFor(f, granted, service, ua, address, host, nowMillis);
          String path = f.pageview || !conversions.isEmpty() ? PageUrl.path(f.url) : null;
          Attribution attribution = f.pageview
              ? attributor.labelValues(attributor.attribute(f.url, f.referrer, host))
              : null;
          String conversion = conversions.isEmpty() ? null
              : conversions.match(spans.name(), path, spans::attribute);
          s.event.set(t, f.pageview, f.interaction, f.pageview ? pages.share(path) : null)
              .labels(bots.device(ua), attribution)
              .conversion(conversion)
              .bot(bots.reason(f, ua, address));
          if (granted) s.event.stitching(f.previousSessionId, f.userId);
          Assignment a = s.assignment;
          sessions.record(new SessionKey(service, key), s.event, nowMillis, a);
          if (a.outcome() == Assignment.Outcome.ACCEPTED && spans.isClient()) {
            traces.remember(spans.traceIdHigh(), spans.traceIdLow(), a.sessionHandle());
          }
          if (a.countedNow() && visitors != null) {
            countVisitor(f, granted, service, key, ua, address, host, nowMillis);
          }
          if (a.outcome() == Assignment.Outcome.ACCEPTED && conversion != null) {
            metrics.conversion(service, conversion, a.attribution());
          }
          switch (a.outcome()) {
            case ACCEPTED -> accepted++;
            case LATE -> late++;
            case SESSION_LIMIT -> {
              limited++;
              if (firstError.isEmpty()) firstError = "active-session limit reached";
              continue;
            }
            case BOT -> {
              bot++;
              metrics.botSpans(service, a.botReason(), 1);
              if (bots.dropsSpans()) continue;
            }
          }
          if (forwarded != null) {
            exportQueue.offer("forwarded", forwarded.of(origin, scope, spans.span(), granted, a.sessionId(), a.sequence(),
                a.outcome() == Assignment.Outcome.BOT));
          }
        }
      }
      metrics.spans(service, "accepted", accepted);
      metrics.spans(service, "late", late);
      metrics.spans(service, "invalid", invalid);
      metrics.spans(service, "invalid_timestamp", badTime);
      metrics.spans(service, "session_limit", limited);
      metrics.spans(service, "bot", bot);
      metrics.backendSpans(service, "attributed", backendAttributed);
      metrics.backendSpans(service, "unattributed", backendUnattributed);
      acceptedTotal += accepted + late + bot;
      rejectedTotal += invalid + badTime + limited;
    }
    return new IngestResult(acceptedTotal, rejectedTotal, firstError);
  }
}

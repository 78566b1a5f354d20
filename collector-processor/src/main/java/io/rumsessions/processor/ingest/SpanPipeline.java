package io.rumsessions.processor.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.CampaignAttributor;
import io.rumsessions.processor.attribution.ConversionRules;
import io.rumsessions.processor.bots.BotFilter;
import io.rumsessions.processor.durability.DurableState;
import io.rumsessions.processor.durability.SpanCounts;
import io.rumsessions.processor.durability.StateChanges;
import io.rumsessions.processor.durability.StateUnavailableException;
import io.rumsessions.processor.export.ForwardedSpans;
import io.rumsessions.processor.export.ExportSink;
import io.rumsessions.processor.identity.VisitorIdentity;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.PagePaths;
import io.rumsessions.processor.input.PageUrl;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.metrics.ServiceNames;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
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
  private final DurableState state;
  private final ServiceNames services;
  private final ForwardedSpans forwarded;
  private final ExportSink exportQueue;
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
    final SpanCounts counts = new SpanCounts();
  }

  /**
   * @param forwarded null when received spans are not forwarded
   */
  public SpanPipeline(InputMapping mapping, VisitorIdentity identity, BotFilter bots, CampaignAttributor attributor,
      ConversionRules conversions, DurableState state,
      ServiceNames services, ForwardedSpans forwarded, ExportSink exportQueue,
      UniqueVisitors visitors, InstantSource clock, Duration maxClockSkew) {
    this.mapping = mapping;
    this.identity = identity;
    this.bots = bots;
    this.attributor = attributor;
    this.conversions = conversions;
    this.state = state;
    this.services = services;
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
  private VisitorKey visitorOf(SpanFacts f, boolean granted, String service, String key, String ua, String address,
      String host, long nowMillis) {
    if (granted && f.userId != null) return VisitorKey.persistent(f.userId);
    if (granted && f.clientSessionId != null) return VisitorKey.daily(identity.cookieFreeId(service, ua, address, host, nowMillis));
    return VisitorKey.daily(key);
  }

  public IngestResult ingest(ExportTraceServiceRequest request, RequestContext ctx) {
    return ingest(new MessageSpans(request), ctx);
  }

  /**
   * Applies the request's spans under the state lock and returns once their changes are as
   * durable as {@code state.durability} says: only then may the receiver acknowledge them.
   *
   * @throws StateUnavailableException when the state log cannot be written (answer 503)
   */
  public IngestResult ingest(SpanSource spans, RequestContext ctx) {
    long nowMillis = clock.millis();
    StateChanges changes = state.begin(nowMillis);
    IngestResult result;
    long position;
    try {
      result = ingest(spans, ctx, changes, nowMillis);
    } finally {
      position = state.end();
    }
    state.awaitDurable(position);
    return result;
  }

  private IngestResult ingest(SpanSource spans, RequestContext ctx, StateChanges changes, long nowMillis) {
    long nowNanos = nowMillis * 1_000_000L;
    Scratch s = scratch.get();
    long acceptedTotal = 0;
    long rejectedTotal = 0;
    String firstError = "";
    while (spans.nextResource()) {
      ResourceFacts rf = spans.resourceFacts(mapping);
      String service = services.canonical(rf.serviceName());
      ForwardedSpans.Origin origin = forwarded == null ? null : forwarded.new Origin(spans.resource());
      SpanCounts c = s.counts.clear();
      while (spans.nextScope()) {
        InstrumentationScopeInfo scope = forwarded == null ? null : forwarded.scope(spans.scope());
        while (spans.nextSpan()) {
          if (!spans.hasValidIds()) {
            c.invalid++;
            if (firstError.isEmpty()) firstError = "span without a valid traceId and spanId";
            continue;
          }
          SpanFacts f = s.facts;
          spans.map(mapping, rf, f);
          long t = f.timeNanos;
          if (t <= 0 || Math.abs(t - nowNanos) > maxSkewNanos) {
            c.badTime++;
            if (firstError.isEmpty()) firstError = "span start time is further than the allowed clock skew from now";
            continue;
          }
          long spanHash = RecentSpans.hash(spans.traceIdHigh(), spans.traceIdLow(), spans.spanId());
          if (changes.isDuplicate(spanHash)) {
            // Sent again (a retry after a timeout or a lost answer): counted the first time.
            c.duplicate++;
            continue;
          }
          boolean granted = identity.granted(f.consent, ctx);
          if (f.backend) {
            // A backend span joins the browser session whose fetch started its trace; it never
            // starts, extends or splits a session.
            String sessionId = changes.backend(spanHash, spans.traceIdHigh(), spans.traceIdLow(), f.error);
            if (sessionId != null) c.backendAttributed++;
            else c.backendUnattributed++;
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
          boolean client = spans.isClient();
          changes.session(spanHash, new SessionKey(service, key), s.event, client, client ? spans.traceIdHigh() : 0,
              client ? spans.traceIdLow() : 0, a);
          if (a.countedNow() && visitors != null) {
            changes.visitor(service, visitorOf(f, granted, service, key, ua, address, host, nowMillis));
          }
          switch (a.outcome()) {
            case ACCEPTED -> c.accepted++;
            case LATE -> c.late++;
            case SESSION_LIMIT -> {
              c.limited++;
              if (firstError.isEmpty()) firstError = "active-session limit reached";
              continue;
            }
            case BOT -> {
              c.bot++;
              if (bots.dropsSpans()) continue;
            }
          }
          if (forwarded != null) {
            exportQueue.offer("forwarded", forwarded.of(origin, scope, spans.span(), granted, a.sessionId(), a.sequence(),
                a.outcome() == Assignment.Outcome.BOT));
          }
        }
      }
      changes.spans(service, c);
      acceptedTotal += c.accepted + c.late + c.bot + c.duplicate;
      rejectedTotal += c.invalid + c.badTime + c.limited;
    }
    return new IngestResult(acceptedTotal, rejectedTotal, firstError);
  }
}

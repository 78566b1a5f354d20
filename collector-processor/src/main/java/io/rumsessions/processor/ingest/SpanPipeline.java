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
import io.opentelemetry.proto.trace.v1.Span;
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
  /** Sessions by the agent-less id of their client.address, for spans with no agent at all. */
  private final AddressVisitors addressVisitors = new AddressVisitors();

  private static final class Scratch {
    final SpanFacts facts = new SpanFacts();
    final SessionEvent event = new SessionEvent();
    final Assignment assignment = new Assignment();
    final SpanCounts counts = new SpanCounts();
    final ResourceAgents agents = new ResourceAgents();
    final Placement now = new Placement();
    /** Spans of the current resource waiting for an agent that a later span may carry; pooled. */
    Placement[] waiting = new Placement[4];
    int waitingCount;

    Placement waitForAgent() {
      if (waitingCount == waiting.length) waiting = java.util.Arrays.copyOf(waiting, waitingCount * 2);
      Placement p = waiting[waitingCount];
      if (p == null) p = waiting[waitingCount] = new Placement();
      waitingCount++;
      return p;
    }
  }

  /**
   * What a span's placement needs besides its user agent, computed on the walk. Most spans are
   * placed at once from the walk's own scratch; a span that waits for its resource's agent is
   * copied into a pooled one (with its message when it is forwarded, since the walk moves on).
   */
  private static final class Placement {
    final SpanFacts copy = new SpanFacts();
    SpanFacts f;
    boolean granted;
    /** The request came straight from a browser, whose agent every span has. */
    boolean browserPosted;
    long spanHash;
    boolean client;
    long traceHigh;
    long traceLow;
    String address;
    String host;
    String page;
    Attribution attribution;
    String conversion;
    InstrumentationScopeInfo scope;
    /** The span's message, for a waiting span that is forwarded; null: the source's current span. */
    Span span;

    void release() {
      f = null;
      attribution = null;
      scope = null;
      span = null;
      page = conversion = address = host = null;
    }
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
    Applied a = apply(spans, ctx);
    state.awaitDurable(a.position());
    return a.result();
  }

  /** What a receiver is told about a request once its changes are durable, or cannot be made so. */
  public interface Acknowledgement {
    /** The changes are as durable as {@code state.durability} says: answer success. */
    void durable(IngestResult result);

    /** The state log failed: nothing of the request may be acknowledged (answer 503 / UNAVAILABLE). */
    void unavailable(StateUnavailableException e);
  }

  /**
   * As {@link #ingest(SpanSource, RequestContext)}, without waiting for the fsync: the spans are
   * applied and logged on the calling thread, then {@code applied} runs (the source is read no
   * more; the receivers give back their decoding permit there), and {@code ack} is called once the
   * changes are durable, possibly from the state log's own thread. The receiver's thread is free
   * for the next request meanwhile, and one fsync covers all the requests that arrived while the
   * previous one was made.
   */
  public void ingest(SpanSource spans, RequestContext ctx, Runnable applied, Acknowledgement ack) {
    Applied a;
    try {
      a = apply(spans, ctx);
    } catch (StateUnavailableException e) {
      applied.run();
      ack.unavailable(e);
      return;
    }
    applied.run();
    state.whenDurable(a.position(), failure -> {
      if (failure == null) ack.durable(a.result());
      else ack.unavailable(failure);
    });
  }

  /** A request's spans applied: the result, and the log position its record ends at (0: nothing logged). */
  private record Applied(IngestResult result, long position) {}

  /** Applies and logs the request's spans under the state lock. */
  private Applied apply(SpanSource spans, RequestContext ctx) {
    long nowMillis = clock.millis();
    StateChanges changes = state.begin(nowMillis);
    IngestResult result;
    long position;
    try {
      result = ingest(spans, ctx, changes, nowMillis);
    } finally {
      position = state.end();
    }
    return new Applied(result, position);
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
      // Also here, not only after the walk: a request that failed midway must not leave its agents.
      s.agents.clear();
      s.waitingCount = 0;
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
          // Keyed by the cookie-free id, which includes the user agent: without consent, or with
          // consent but no client session id.
          boolean cookieFree = !granted || f.clientSessionId == null;
          if (ctx.browserUserAgent() == null) {
            if (ua != null) s.agents.seen(f.clientSessionId, ua);
            else if (cookieFree && f.clientSessionId != null) ua = s.agents.of(f.clientSessionId);
          }
          String host = PageUrl.host(f.url);
          String path = f.pageview || !conversions.isEmpty() ? PageUrl.path(f.url) : null;
          boolean waits = ua == null && cookieFree && ctx.browserUserAgent() == null;
          Placement p = waits ? s.waitForAgent() : s.now;
          if (waits) {
            // An agent may still come on a later span of this resource (documentLoad follows the
            // documentFetch and resourceFetch spans of its page load): placed after the walk.
            p.copy.copyFrom(f);
            p.f = p.copy;
            p.span = forwarded != null ? spans.span() : null;
          } else {
            p.f = f;
            p.span = null;
          }
          p.granted = granted;
          p.browserPosted = ctx.browserUserAgent() != null;
          p.spanHash = spanHash;
          p.client = spans.isClient();
          p.traceHigh = p.client ? spans.traceIdHigh() : 0;
          p.traceLow = p.client ? spans.traceIdLow() : 0;
          p.address = f.clientAddress != null ? f.clientAddress : ctx.peerAddress();
          p.host = host;
          p.page = f.pageview ? pages.share(path) : null;
          p.attribution = f.pageview
              ? attributor.labelValues(attributor.attribute(f.url, f.referrer, host))
              : null;
          p.conversion = conversions.isEmpty() ? null
              : conversions.match(spans.name(), path, spans::attribute);
          p.scope = scope;
          if (waits) continue;
          String error = place(s, p, ua, service, origin, spans, changes, c, nowMillis);
          p.release();
          if (error != null && firstError.isEmpty()) firstError = error;
        }
      }
      for (int i = 0; i < s.waitingCount; i++) {
        Placement p = s.waiting[i];
        // The agent another span of the same client session carried, or for a span with no
        // client session id the resource's only agent (one browser's batch).
        String ua = p.f.clientSessionId != null ? s.agents.of(p.f.clientSessionId) : s.agents.only();
        String error = place(s, p, ua, service, origin, spans, changes, c, nowMillis);
        p.release();
        if (error != null && firstError.isEmpty()) firstError = error;
      }
      s.waitingCount = 0;
      s.agents.clear();
      changes.spans(service, c);
      acceptedTotal += c.accepted + c.late + c.bot + c.duplicate;
      rejectedTotal += c.invalid + c.badTime + c.limited;
    }
    return new IngestResult(acceptedTotal, rejectedTotal, firstError);
  }
  /**
   * Keys a span, places it in its session and forwards it; returns the error to report, or null.
   *
   * @param ua the span's user agent, the posting browser's, or another span's of its request
   */
  private String place(Scratch s, Placement p, String ua, String service, ForwardedSpans.Origin origin,
      SpanSource spans, StateChanges changes, SpanCounts c, long nowMillis) {
    SpanFacts f = p.f;
    boolean granted = p.granted;
    String address = p.address;
    String host = p.host;
    String key = null;
    boolean cookieFree = !granted || f.clientSessionId == null;
    if (ua == null && cookieFree) {
      // No agent anywhere in its request (a click batch of the OpenTelemetry web SDK through a
      // relay that puts none upstream): keyed as the visitor whose session last started at this
      // address, else by the agent-less id, a session of its own. Either way a guess: counted.
      c.withoutUserAgent++;
      String agentless = identity.cookieFreeId(service, null, address, host, nowMillis);
      if (agentless != null) key = addressVisitors.keyOf(agentless);
    }
    if (key == null) key = identity.keyFor(f, granted, service, ua, address, host, nowMillis);
    Attribution attribution = p.attribution;
    if (attribution != null && granted && f.userId != null) {
      // A visitor known across days: GA4's last non-direct attribution (never without consent).
      attribution = changes.attributionFor(VisitorKey.persistent(f.userId).hash(), attribution);
    }
    s.event.set(f.timeNanos, f.pageview, f.interaction, p.page)
        .labels(bots.device(ua), attribution)
        .conversion(p.conversion)
        .bot(bots.reason(f, ua, address));
    if (granted) s.event.stitching(f.previousSessionId, f.userId);
    Assignment a = s.assignment;
    changes.session(p.spanHash, new SessionKey(service, key), s.event, p.client, p.traceHigh, p.traceLow, a);
    if (a.countedNow()) {
      if (attribution != p.attribution) c.lastNonDirect++;
      if (visitors != null) changes.visitor(service, visitorOf(f, granted, service, key, ua, address, host, nowMillis));
      if (cookieFree && ua != null && !p.browserPosted) {
        // Once per session, not per span: one more digest, for later spans of this visitor that
        // arrive with no agent (see AddressVisitors).
        String agentless = identity.cookieFreeId(service, null, address, host, nowMillis);
        if (agentless != null) addressVisitors.started(agentless, key);
      }
    }
    switch (a.outcome()) {
      case ACCEPTED -> c.accepted++;
      case LATE -> c.late++;
      case SESSION_LIMIT -> {
        c.limited++;
        return "active-session limit reached";
      }
      case BOT -> {
        c.bot++;
        if (bots.dropsSpans()) return null;
      }
    }
    if (forwarded != null) {
      exportQueue.offer("forwarded", forwarded.of(origin, p.scope, p.span != null ? p.span : spans.span(), granted,
          a.sessionId(), a.sequence(), a.outcome() == Assignment.Outcome.BOT));
    }
    return null;
  }
}

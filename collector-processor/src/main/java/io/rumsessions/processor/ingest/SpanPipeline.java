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
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The walk every span takes, in order: map its attributes, check it, identify the visitor,
 * place it in a session, and forward it. A request is read first, every span of it, with what
 * depends on the span alone (its facts, page URL, attribution, conversion); then its spans are
 * placed under the state lock. One instance serves all receiver threads.
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
  /**
   * Scratch of the requests not being applied, used again, newest first. Pooled rather than one per
   * thread: a request's scratch holds all its spans, and there are far more receiver threads (64
   * HTTP workers) than requests applied at once (the decoding permits).
   */
  private final ArrayDeque<Scratch> idle = new ArrayDeque<>();
  /** Landing and exit pages are kept per session; sessions share one copy of each path. */
  private final PagePaths pages = new PagePaths(4096);
  /** Sessions by the agent-less id of their client.address, for spans with no agent at all. */
  private final AddressVisitors addressVisitors = new AddressVisitors();

  /**
   * A request as read, span by span, and what placing a span needs. Pooled: a request's spans are
   * read into the placements an earlier request used.
   */
  private static final class Scratch {
    /** Placements kept between requests at most; a larger request's extra ones are let go after it. */
    static final int KEPT = 2048;
    /** Idle scratch kept at most (more are in use only with more requests applied at once). */
    static final int POOLED = 64;

    final SessionEvent event = new SessionEvent();
    final Assignment assignment = new Assignment();
    final SpanCounts counts = new SpanCounts();
    final ResourceAgents agents = new ResourceAgents();
    /** The request's spans in walk order, {@code [0, spanCount)}. */
    Placement[] spans = new Placement[64];
    int spanCount;
    /** The request's resources in walk order, {@code [0, resourceCount)}, each a range of {@link #spans}. */
    ResourceSpans[] resources = new ResourceSpans[4];
    int resourceCount;
    /** Spans of the current resource waiting for an agent that a later span may carry. */
    Placement[] waiting = new Placement[4];
    int waitingCount;

    Placement nextSpan() {
      if (spanCount == spans.length) spans = Arrays.copyOf(spans, spanCount * 2);
      Placement p = spans[spanCount];
      if (p == null) p = spans[spanCount] = new Placement();
      spanCount++;
      return p;
    }

    ResourceSpans nextResource() {
      if (resourceCount == resources.length) resources = Arrays.copyOf(resources, resourceCount * 2);
      ResourceSpans r = resources[resourceCount];
      if (r == null) r = resources[resourceCount] = new ResourceSpans();
      resourceCount++;
      return r;
    }

    void waitForAgent(Placement p) {
      if (waitingCount == waiting.length) waiting = Arrays.copyOf(waiting, waitingCount * 2);
      waiting[waitingCount++] = p;
    }

    /** Lets go of what the request referred to, and of the placements past {@link #KEPT}. */
    void clear() {
      for (int i = 0; i < spanCount; i++) spans[i].release();
      for (int i = 0; i < resourceCount; i++) resources[i].origin = null;
      for (int i = 0; i < waitingCount; i++) waiting[i] = null;
      if (spans.length > KEPT) spans = Arrays.copyOf(spans, KEPT);
      if (waiting.length > KEPT) waiting = new Placement[4];
      spanCount = resourceCount = waitingCount = 0;
    }
  }

  /** A resource of the request: its service, its origin for forwarding, and its spans' range. */
  private static final class ResourceSpans {
    String service;
    ForwardedSpans.Origin origin;
    int start;
    int end;
  }

  /**
   * One span as read outside the state lock: its facts and everything about it that depends on the
   * span alone. What depends on the state (a duplicate? which session? the visitor's key) is
   * decided under the lock.
   */
  private static final class Placement {
    /** A span to place; or one that is only counted: no valid ids, or a start time too far from now. */
    static final byte VALID = 0, INVALID_IDS = 1, BAD_TIME = 2;

    final SpanFacts f = new SpanFacts();
    byte kind;
    boolean granted;
    long spanHash;
    boolean client;
    long traceHigh;
    long traceLow;
    String address;
    String host;
    /** The page path (when a pageview or conversions need it); shared under the lock. */
    String path;
    String page;
    /** The attributor's, read before the lock; its label values are bounded under it. */
    Attribution attribution;
    String conversion;
    InstrumentationScopeInfo scope;
    /** The span's message, when spans are forwarded (the source has moved on when it is placed). */
    Span span;

    void release() {
      attribution = null;
      scope = null;
      span = null;
      page = path = conversion = address = host = null;
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

  /**
   * Reads the request's spans, then applies and logs them under the state lock. Reading (the
   * mapping, the page URL, the attribution, the conversion rules) needs no state, so it is done
   * before the lock: requests are read in parallel on several cores, and the lock is held for
   * what only it can decide.
   */
  private Applied apply(SpanSource spans, RequestContext ctx) {
    long nowMillis = clock.millis();
    Scratch s;
    synchronized (idle) {
      s = idle.poll();
    }
    if (s == null) s = new Scratch();
    try {
      read(spans, ctx, s, nowMillis);
      StateChanges changes = state.begin(nowMillis);
      IngestResult result;
      long position;
      try {
        result = placeAll(s, ctx, changes, nowMillis);
      } finally {
        position = state.end();
      }
      return new Applied(result, position);
    } finally {
      s.clear();
      synchronized (idle) {
        if (idle.size() < Scratch.POOLED) idle.push(s);
      }
    }
  }

  /** Reads every span of the request into {@code s}, in walk order, with what depends on it alone. */
  private void read(SpanSource spans, RequestContext ctx, Scratch s, long nowMillis) {
    long nowNanos = nowMillis * 1_000_000L;
    while (spans.nextResource()) {
      ResourceFacts rf = spans.resourceFacts(mapping);
      ResourceSpans r = s.nextResource();
      r.service = services.canonical(rf.serviceName());
      r.origin = forwarded == null ? null : forwarded.new Origin(spans.resource());
      r.start = s.spanCount;
      while (spans.nextScope()) {
        InstrumentationScopeInfo scope = forwarded == null ? null : forwarded.scope(spans.scope());
        while (spans.nextSpan()) {
          Placement p = s.nextSpan();
          if (!spans.hasValidIds()) {
            p.kind = Placement.INVALID_IDS;
            continue;
          }
          SpanFacts f = p.f;
          spans.map(mapping, rf, f);
          long t = f.timeNanos;
          if (t <= 0 || Math.abs(t - nowNanos) > maxSkewNanos) {
            p.kind = Placement.BAD_TIME;
            continue;
          }
          p.kind = Placement.VALID;
          p.traceHigh = spans.traceIdHigh();
          p.traceLow = spans.traceIdLow();
          p.spanHash = RecentSpans.hash(p.traceHigh, p.traceLow, spans.spanId());
          p.client = spans.isClient();
          p.granted = identity.granted(f.consent, ctx);
          p.span = forwarded != null ? spans.span() : null;
          p.scope = scope;
          if (f.backend) continue;
          p.address = f.clientAddress != null ? f.clientAddress : ctx.peerAddress();
          p.host = PageUrl.host(f.url);
          p.path = f.pageview || !conversions.isEmpty() ? PageUrl.path(f.url) : null;
          p.attribution = f.pageview ? attributor.attribute(f.url, f.referrer, p.host) : null;
          p.conversion = conversions.isEmpty() ? null : conversions.match(spans.name(), p.path, spans::attribute);
        }
      }
      r.end = s.spanCount;
    }
  }

  /** Places the spans {@link #read} read, under the state lock. */
  private IngestResult placeAll(Scratch s, RequestContext ctx, StateChanges changes, long nowMillis) {
    long acceptedTotal = 0;
    long rejectedTotal = 0;
    String firstError = "";
    for (int ri = 0; ri < s.resourceCount; ri++) {
      ResourceSpans r = s.resources[ri];
      String service = r.service;
      SpanCounts c = s.counts.clear();
      s.agents.clear();
      s.waitingCount = 0;
      for (int i = r.start; i < r.end; i++) {
        Placement p = s.spans[i];
        if (p.kind == Placement.INVALID_IDS) {
          c.invalid++;
          if (firstError.isEmpty()) firstError = "span without a valid traceId and spanId";
          continue;
        }
        if (p.kind == Placement.BAD_TIME) {
          c.badTime++;
          if (firstError.isEmpty()) firstError = "span start time is further than the allowed clock skew from now";
          continue;
        }
        SpanFacts f = p.f;
        if (changes.isDuplicate(p.spanHash)) {
          // Sent again (a retry after a timeout or a lost answer): counted the first time.
          c.duplicate++;
          continue;
        }
        if (f.backend) {
          // A backend span joins the browser session whose fetch started its trace; it never
          // starts, extends or splits a session.
          String sessionId = changes.backend(p.spanHash, p.traceHigh, p.traceLow, f.error);
          if (sessionId != null) c.backendAttributed++;
          else c.backendUnattributed++;
          if (forwarded != null) {
            exportQueue.offer("forwarded", forwarded.of(r.origin, p.scope, p.span, p.granted, sessionId, 0, false));
          }
          continue;
        }
        // The request's user agent only counts when a browser posted directly (see RequestContext).
        String ua = ctx.browserUserAgent() != null ? ctx.browserUserAgent() : f.userAgent;
        // Keyed by the cookie-free id, which includes the user agent: without consent, or with
        // consent but no client session id.
        boolean cookieFree = !p.granted || f.clientSessionId == null;
        if (ctx.browserUserAgent() == null) {
          if (ua != null) s.agents.seen(f.clientSessionId, ua);
          else if (cookieFree && f.clientSessionId != null) ua = s.agents.of(f.clientSessionId);
        }
        p.page = f.pageview ? pages.share(p.path) : null;
        if (p.attribution != null) p.attribution = attributor.labelValues(p.attribution);
        if (ua == null && cookieFree && ctx.browserUserAgent() == null) {
          // An agent may still come on a later span of this resource (documentLoad follows the
          // documentFetch and resourceFetch spans of its page load): placed after the walk.
          s.waitForAgent(p);
          continue;
        }
        String error = place(s, p, ua, service, r.origin, ctx, changes, c, nowMillis);
        if (error != null && firstError.isEmpty()) firstError = error;
      }
      for (int i = 0; i < s.waitingCount; i++) {
        Placement p = s.waiting[i];
        // The agent another span of the same client session carried, or for a span with no
        // client session id the resource's only agent (one browser's batch).
        String ua = p.f.clientSessionId != null ? s.agents.of(p.f.clientSessionId) : s.agents.only();
        String error = place(s, p, ua, service, r.origin, ctx, changes, c, nowMillis);
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
      RequestContext ctx, StateChanges changes, SpanCounts c, long nowMillis) {
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
    changes.session(p.spanHash, new SessionKey(service, key), s.event, p.client, p.client ? p.traceHigh : 0,
        p.client ? p.traceLow : 0, a);
    if (a.countedNow()) {
      if (attribution != p.attribution) c.lastNonDirect++;
      if (visitors != null) changes.visitor(service, visitorOf(f, granted, service, key, ua, address, host, nowMillis));
      if (cookieFree && ua != null && ctx.browserUserAgent() == null) {
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
      exportQueue.offer("forwarded", forwarded.of(origin, p.scope, p.span, granted,
          a.sessionId(), a.sequence(), a.outcome() == Assignment.Outcome.BOT));
    }
    return null;
  }
}

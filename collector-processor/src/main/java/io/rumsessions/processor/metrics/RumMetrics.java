package io.rumsessions.processor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.session.BounceRule;
import io.rumsessions.processor.session.EngagementRule;
import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionSummary;
import io.rumsessions.processor.visitors.UniqueVisitors;
import io.rumsessions.processor.visitors.VisitorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Every metric the processor exports, registered once. Label sets are bounded: service names
 * by {@link ServiceNames}, channel and device by their fixed vocabularies, outcome and reason
 * by enums in the code.
 *
 * <p>Without exemplars: the processor traces nothing of its own, so there is no trace to link,
 * while client_java's exemplar sampling ran on every increment and kept its scheduler thread
 * busy (1.5 % of the processor's one core at 70 % gRPC load; bench/RESULTS.md).
 */
public final class RumMetrics implements SessionListener {
  private final StateCounter started;
  private final StateCounter ended;
  private final StateCounter bounces;
  private final StateCounter engaged;
  private final StateCounter evicted;
  private final ClassicHistogram duration;
  private final ClassicHistogram pageviews;
  private final Gauge active;
  private final StateCounter spans;
  private final Counter requests;
  private final Histogram ingestDuration;
  private final StateCounter botSpans;
  private final StateCounter botSessions;
  private final Counter reclassified;
  private final StateCounter backendSpans;
  private final StateCounter withoutUserAgent;
  private final StateCounter lastNonDirect;
  private final Counter campaignSessions;
  private final StateCounter conversions;
  private final StateCounter campaignEnded;
  private final StateCounter campaignBounces;
  private final StateCounter campaignConversions;
  private final StateCounter visitorSessions;
  private final EngagementRule engagement;
  /** The counters that are part of the checkpointed state. */
  private final List<StateCounter> stateCounters = new ArrayList<>();

  public RumMetrics(PrometheusRegistry registry, EngagementRule engagement) {
    this.engagement = engagement;
    visitorSessions = stateCounter(registry, "rum_visitor_sessions_total",
        "Sessions counted as started, by whether their visitor was seen before in the lookback"
            + " (visitor_type new or returning: consented visitors with a user.id; unidentified: the rest).",
        "service_name", "visitor_type");
    started = stateCounter(registry, "rum_sessions_started_total",
        "Sessions started, counted when their first span arrives.",
        "service_name", "channel", "device");
    ended = stateCounter(registry, "rum_sessions_ended_total",
        "Sessions ended (inactivity, split, maximum length, midnight or eviction).",
        "service_name", "channel", "device");
    bounces = stateCounter(registry, "rum_session_bounces_total",
        "Ended sessions with fewer than 2 pageviews and no interaction.",
        "service_name", "channel", "device");
    engaged = stateCounter(registry, "rum_sessions_engaged_total",
        "Ended sessions that were engaged (GA4: >= 10 s, >= 2 pageviews, or a conversion).",
        "service_name", "channel", "device");
    evicted = stateCounter(registry, "rum_sessions_evicted_total",
        "Sessions ended early because the active-session cap was reached.",
        "service_name");
    duration = new ClassicHistogram("rum_session_duration_seconds",
        "Session duration: last minus first event time, observed when a session ends.", Unit.SECONDS,
        new double[] {0, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400},
        "service_name", "channel", "device").register(registry);
    pageviews = new ClassicHistogram("rum_session_pageviews", "Pageviews per ended session.", null,
        new double[] {0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100},
        "service_name", "channel", "device").register(registry);
    active = Gauge.builder().withoutExemplars().name("rum_sessions_active")
        .help("Sessions currently open.")
        .labelNames("service_name").register(registry);
    spans = stateCounter(registry, "rum_spans_received_total",
        "Spans received, by what became of them.",
        "service_name", "outcome");
    requests = Counter.builder().withoutExemplars().name("rum_receiver_requests_total")
        .help("OTLP export requests received, by transport and outcome.")
        .labelNames("transport", "outcome").register(registry);
    ingestDuration = Histogram.builder().withoutExemplars().name("rum_ingest_duration_seconds")
        .help("Time to decode and sessionize one OTLP export request.")
        .unit(Unit.SECONDS)
        .classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
        .labelNames("transport").register(registry);
    botSpans = stateCounter(registry, "rum_bot_spans_total",
        "Spans of bot sessions, excluded from session metrics, by the reason the session is a bot.",
        "service_name", "reason");
    botSessions = stateCounter(registry, "rum_bot_sessions_total",
        "Sessions identified as bots, by the first reason found.",
        "service_name", "reason");
    reclassified = Counter.builder().withoutExemplars().name("rum_sessions_reclassified_total")
        .help("Sessions counted as started and later found to be bots; they are never counted as ended. "
            + "Human sessions started = rum_sessions_started_total - rum_sessions_reclassified_total.")
        .labelNames("service_name").register(registry);
    campaignSessions = Counter.builder().withoutExemplars().name("rum_campaign_sessions_total")
        .help("Human sessions started, by the campaign they were attributed to at start (bounded label values; the rest is 'other').")
        .labelNames("service_name", "source", "medium", "campaign").register(registry);
    conversions = stateCounter(registry, "rum_conversions_total",
        "Conversions (configured rules) completed in human sessions, by the session's channel.",
        "service_name", "conversion", "channel");
    campaignEnded = stateCounter(registry, "rum_campaign_sessions_ended_total",
        "Human sessions ended, by the campaign attributed at their start (for per-campaign bounce and conversion rates).",
        "service_name", "source", "medium", "campaign");
    campaignBounces = stateCounter(registry, "rum_campaign_bounces_total",
        "Ended human sessions that bounced, by campaign.",
        "service_name", "source", "medium", "campaign");
    campaignConversions = stateCounter(registry, "rum_campaign_conversions_total",
        "Conversions in human sessions, by the session's campaign.",
        "service_name", "source", "medium", "campaign", "conversion");
    backendSpans = stateCounter(registry, "rum_backend_spans_total",
        "Backend (server) spans, by whether they joined a browser session through their trace id.",
        "service_name", "outcome");
    lastNonDirect = stateCounter(registry, "rum_sessions_last_non_direct_total",
        "Human sessions that arrived direct and took their visitor's last non-direct source, medium and campaign"
            + " (GA4 last non-direct attribution; consented visitors with a user.id, attribution.last-non-direct).",
        "service_name");
    withoutUserAgent = stateCounter(registry, "rum_spans_keyed_without_user_agent_total",
        "Spans keyed by a cookie-free id (no consent, or no client session id) whose request gave them no user agent:"
            + " none on the span, its resource, the request from a browser, or another span of its client session."
            + " They join the session last started at their address, else a session of their own: set"
            + " user_agent.original upstream.",
        "service_name");
  }

  /**
   * The counters and histograms that describe sessions and spans: part of the checkpointed state,
   * so that after a restart they continue from where the recovered state left them (Prometheus
   * sees no reset). Process counters (requests, export, ingest time) are not: they start again
   * with the process, as any process's do.
   */
  private StateCounter stateCounter(PrometheusRegistry registry, String name, String help, String... labelNames) {
    StateCounter c = new StateCounter(registry, name, help, labelNames);
    stateCounters.add(c);
    return c;
  }

  public SavedMetrics save() {
    List<SavedMetrics.CounterValue> counters = new ArrayList<>();
    for (StateCounter c : stateCounters) c.save(counters);
    return new SavedMetrics(counters, Map.of(duration.name(), duration.save(), pageviews.name(), pageviews.save()));
  }

  /** Puts saved values back; called once, before any span, on fresh counters. */
  public void restore(SavedMetrics saved) {
    Map<String, StateCounter> byName = new HashMap<>();
    for (StateCounter c : stateCounters) byName.put(c.name(), c);
    for (SavedMetrics.CounterValue v : saved.counters()) {
      StateCounter c = byName.get(v.name());
      if (c == null) continue;
      // Zero series come back too: a service's series stay created across restarts.
      var point = c.labelValues(v.labels().toArray(String[]::new));
      if (v.value() > 0) point.inc(v.value());
    }
    for (ClassicHistogram h : List.of(duration, pageviews)) {
      List<ClassicHistogram.Saved> s = saved.histograms().get(h.name());
      if (s != null) h.restore(s);
    }
  }

  /** Devices a human session can have (bots are never counted as sessions). */
  private static final List<String> SESSION_DEVICES = List.of("desktop", "mobile", "tablet", "other");
  /** {@code rum_spans_received_total}'s outcomes. */
  public static final List<String> SPAN_OUTCOMES =
      List.of("accepted", "late", "invalid", "invalid_timestamp", "session_limit", "bot", "duplicate");

  /** Services whose series were created at zero, at most metrics.max-services + 1. */
  private final java.util.Set<String> initialized = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A service with browser spans (not a backend's only): creates its bounded series at zero (about 320: the four session counters by every
   * channel and device, span outcomes, visitor types, evictions, reclassifications, backend
   * outcomes). A series that first appears with its first increment shows no increase in
   * Prometheus; created at zero, the first session of each label set shows on the dashboards.
   * Campaign series (unbounded values) and histograms are left to appear with use.
   */
  public void browserService(String service) {
    if (initialized.add(service)) initService(service);
  }

  private void initService(String service) {
    for (io.rumsessions.processor.attribution.Channel c : io.rumsessions.processor.attribution.Channel.values()) {
      for (String device : SESSION_DEVICES) {
        for (StateCounter counter : List.of(started, ended, bounces, engaged)) counter.labelValues(service, c.label(), device);
      }
    }
    for (String outcome : SPAN_OUTCOMES) spans.labelValues(service, outcome);
    for (VisitorType t : VisitorType.values()) visitorSessions.labelValues(service, t.label());
    evicted.labelValues(service);
    reclassified.labelValues(service);
    withoutUserAgent.labelValues(service);
    lastNonDirect.labelValues(service);
    backendSpans.labelValues(service, "attributed");
    backendSpans.labelValues(service, "unattributed");
  }

  /** Gauges whose value is read from the component that owns it. */
  public void registerCapacity(PrometheusRegistry registry, long cap) {
    GaugeWithCallback.builder().name("rum_sessions_active_limit")
        .help("The configured cap on active sessions.")
        .callback(cb -> cb.call(cap)).register(registry);
  }

  /** The memory limiter's view of the heap. */
  public void registerMemoryLimiter(PrometheusRegistry registry, io.rumsessions.processor.receive.MemoryLimiter memory) {
    GaugeWithCallback.builder().name("rum_memory_limiter_refusing")
        .help("1 while the heap is above receiver.memory-limit and receivers answer 429 / RESOURCE_EXHAUSTED.")
        .callback(cb -> cb.call(memory.refusing() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("rum_memory_limiter_heap_ratio")
        .help("Heap in use over the maximum heap at the limiter's last check (after a full collection when above the limit).")
        .callback(cb -> cb.call(memory.lastRatio())).register(registry);
  }

  /**
   * Attribute limits (input.max-value-length, input.max-attributes): values cut for the session
   * rules, and values cut and attributes dropped on forwarded spans, read at each scrape.
   */
  public void registerAttributeLimits(PrometheusRegistry registry, LongSupplier inputTruncated,
      LongSupplier forwardTruncated, LongSupplier forwardDropped) {
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("rum_attributes_limited_total")
        .help("Attribute values cut to input.max-value-length (action=truncated) and attributes beyond input.max-attributes dropped (action=dropped), by where: session (what the session rules read) or forwarded (exported spans).")
        .labelNames("where", "action")
        .callback(cb -> {
          cb.call(inputTruncated.getAsLong(), "session", "truncated");
          cb.call(forwardTruncated.getAsLong(), "forwarded", "truncated");
          cb.call(forwardDropped.getAsLong(), "forwarded", "dropped");
        }).register(registry);
  }

  /**
   * The visitor estimates, read from the sketches at each scrape.
   *
   * @param errorHelp the estimates' error bound, for the help text
   */
  public void registerVisitors(PrometheusRegistry registry, UniqueVisitors visitors, LongSupplier nowMillis,
      String errorHelp) {
    GaugeWithCallback.builder().name("rum_visitors")
        .help("Unique visitors (HLL estimate, " + errorHelp + ") over the calendar day (site time zone) or the"
            + " last 7 or 30 days; population all (today only: cookie-free ids rotate daily) or consented"
            + " (visitors with a user.id and consent).")
        .labelNames("service_name", "window", "population")
        .callback(cb -> {
          for (UniqueVisitors.Estimate e : visitors.estimates(nowMillis.getAsLong())) {
            cb.call(Math.round(e.visitors()), e.service(), e.window(), e.population());
          }
        }).register(registry);
    GaugeWithCallback.builder().name("rum_visitors_returning_filter_load_ratio")
        .help("Today's distinct consented visitors over visitors.daily-visitors, the volume the returning-visitor"
            + " filter is sized for; above 1, new visitors are taken for returning ones more often than configured.")
        .callback(cb -> cb.call(visitors.returningFilterLoad(nowMillis.getAsLong()))).register(registry);
  }

  /** A session counted as started, by whether its visitor is new, returning or unidentified. */
  public void visitorSession(String service, VisitorType type) {
    visitorSessions.labelValues(service, type.label()).inc();
  }

  @Override
  public void started(String service, String sessionId, String device, Attribution a) {
    started.labelValues(service, a == null ? "unassigned" : a.channelLabel(), device).inc();
    campaignSessions.labelValues(service, source(a), medium(a), campaign(a)).inc();
    active.labelValues(service).inc();
  }

  @Override
  public void ended(SessionSummary s) {
    ended.labelValues(s.service(), s.channel(), s.device()).inc();
    Attribution a = s.attribution();
    campaignEnded.labelValues(s.service(), source(a), medium(a), campaign(a)).inc();
    if (BounceRule.isBounce(s)) {
      bounces.labelValues(s.service(), s.channel(), s.device()).inc();
      campaignBounces.labelValues(s.service(), source(a), medium(a), campaign(a)).inc();
    }
    if (engagement.isEngaged(s, s.conversions())) engaged.labelValues(s.service(), s.channel(), s.device()).inc();
    duration.labelValues(s.service(), s.channel(), s.device()).observe(s.durationSeconds());
    pageviews.labelValues(s.service(), s.channel(), s.device()).observe(s.pageviews());
    active.labelValues(s.service()).dec();
  }

  @Override
  public void restored(String service, int count) {
    active.labelValues(service).inc(count);
  }

  @Override
  public void evicted(String service) {
    evicted.labelValues(service).inc();
  }

  @Override
  public void botSession(String service, String reason, boolean wasCounted) {
    botSessions.labelValues(service, reason).inc();
    if (wasCounted) {
      reclassified.labelValues(service).inc();
      active.labelValues(service).dec();
    }
  }

  public void botSpans(String service, String reason, long n) {
    if (n > 0) botSpans.labelValues(service, reason).inc(n);
  }

  public void conversion(String service, String conversion, Attribution a) {
    conversions.labelValues(service, conversion, a == null ? "unassigned" : a.channelLabel()).inc();
    campaignConversions.labelValues(service, source(a), medium(a), campaign(a), conversion).inc();
  }

  private static String source(Attribution a) {
    return a == null ? Attribution.NOT_SET : a.source();
  }

  private static String medium(Attribution a) {
    return a == null ? Attribution.NOT_SET : a.medium();
  }

  private static String campaign(Attribution a) {
    return a == null ? Attribution.NOT_SET : a.campaign();
  }

  public void backendSpans(String service, String outcome, long n) {
    if (n > 0) backendSpans.labelValues(service, outcome).inc(n);
  }

  /**
   * Also at 0, for every service with spans: the series exists from the first request on, so a
   * share of the spans received reads 0, not nothing, while all is well.
   */
  public void spansWithoutUserAgent(String service, long n) {
    withoutUserAgent.labelValues(service).inc(n);
  }

  public void sessionsLastNonDirect(String service, long n) {
    if (n > 0) lastNonDirect.labelValues(service).inc(n);
  }

  public void spans(String service, String outcome, long n) {
    if (n > 0) spans.labelValues(service, outcome).inc(n);
  }

  public void request(String transport, String outcome) {
    requests.labelValues(transport, outcome).inc();
  }

  public void ingestSeconds(String transport, double seconds) {
    ingestDuration.labelValues(transport).observe(seconds);
  }

}

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
  private final Counter started;
  private final Counter ended;
  private final Counter bounces;
  private final Counter engaged;
  private final Counter evicted;
  private final Histogram duration;
  private final Histogram pageviews;
  private final Gauge active;
  private final Counter spans;
  private final Counter requests;
  private final Histogram ingestDuration;
  private final Counter exported;
  private final Counter botSpans;
  private final Counter botSessions;
  private final Counter reclassified;
  private final Counter backendSpans;
  private final Counter campaignSessions;
  private final Counter conversions;
  private final Counter campaignEnded;
  private final Counter campaignBounces;
  private final Counter campaignConversions;
  private final Counter visitorSessions;
  private final EngagementRule engagement;

  public RumMetrics(PrometheusRegistry registry, EngagementRule engagement) {
    this.engagement = engagement;
    visitorSessions = Counter.builder().withoutExemplars().name("rum_visitor_sessions_total")
        .help("Sessions counted as started, by whether their visitor was seen before in the lookback"
            + " (visitor_type new or returning: consented visitors with a user.id; unidentified: the rest).")
        .labelNames("service_name", "visitor_type").register(registry);
    started = Counter.builder().withoutExemplars().name("rum_sessions_started_total")
        .help("Sessions started, counted when their first span arrives.")
        .labelNames("service_name", "channel", "device").register(registry);
    ended = Counter.builder().withoutExemplars().name("rum_sessions_ended_total")
        .help("Sessions ended (inactivity, split, maximum length, midnight or eviction).")
        .labelNames("service_name", "channel", "device").register(registry);
    bounces = Counter.builder().withoutExemplars().name("rum_session_bounces_total")
        .help("Ended sessions with fewer than 2 pageviews and no interaction.")
        .labelNames("service_name", "channel", "device").register(registry);
    engaged = Counter.builder().withoutExemplars().name("rum_sessions_engaged_total")
        .help("Ended sessions that were engaged (GA4: >= 10 s, >= 2 pageviews, or a conversion).")
        .labelNames("service_name", "channel", "device").register(registry);
    evicted = Counter.builder().withoutExemplars().name("rum_sessions_evicted_total")
        .help("Sessions ended early because the active-session cap was reached.")
        .labelNames("service_name").register(registry);
    duration = Histogram.builder().withoutExemplars().name("rum_session_duration_seconds")
        .help("Session duration: last minus first event time, observed when a session ends.")
        .unit(Unit.SECONDS)
        .classicOnly()
        .classicUpperBounds(0, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)
        .labelNames("service_name", "channel", "device").register(registry);
    pageviews = Histogram.builder().withoutExemplars().name("rum_session_pageviews")
        .help("Pageviews per ended session.")
        .classicOnly()
        .classicUpperBounds(0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100)
        .labelNames("service_name", "channel", "device").register(registry);
    active = Gauge.builder().withoutExemplars().name("rum_sessions_active")
        .help("Sessions currently open.")
        .labelNames("service_name").register(registry);
    spans = Counter.builder().withoutExemplars().name("rum_spans_received_total")
        .help("Spans received, by what became of them.")
        .labelNames("service_name", "outcome").register(registry);
    requests = Counter.builder().withoutExemplars().name("rum_receiver_requests_total")
        .help("OTLP export requests received, by transport and outcome.")
        .labelNames("transport", "outcome").register(registry);
    ingestDuration = Histogram.builder().withoutExemplars().name("rum_ingest_duration_seconds")
        .help("Time to decode and sessionize one OTLP export request.")
        .unit(Unit.SECONDS)
        .classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
        .labelNames("transport").register(registry);
    botSpans = Counter.builder().withoutExemplars().name("rum_bot_spans_total")
        .help("Spans of bot sessions, excluded from session metrics, by the reason the session is a bot.")
        .labelNames("service_name", "reason").register(registry);
    botSessions = Counter.builder().withoutExemplars().name("rum_bot_sessions_total")
        .help("Sessions identified as bots, by the first reason found.")
        .labelNames("service_name", "reason").register(registry);
    reclassified = Counter.builder().withoutExemplars().name("rum_sessions_reclassified_total")
        .help("Sessions counted as started and later found to be bots; they are never counted as ended. "
            + "Human sessions started = rum_sessions_started_total - rum_sessions_reclassified_total.")
        .labelNames("service_name").register(registry);
    campaignSessions = Counter.builder().withoutExemplars().name("rum_campaign_sessions_total")
        .help("Human sessions started, by the campaign they were attributed to at start (bounded label values; the rest is 'other').")
        .labelNames("service_name", "source", "medium", "campaign").register(registry);
    conversions = Counter.builder().withoutExemplars().name("rum_conversions_total")
        .help("Conversions (configured rules) completed in human sessions, by the session's channel.")
        .labelNames("service_name", "conversion", "channel").register(registry);
    campaignEnded = Counter.builder().withoutExemplars().name("rum_campaign_sessions_ended_total")
        .help("Human sessions ended, by the campaign attributed at their start (for per-campaign bounce and conversion rates).")
        .labelNames("service_name", "source", "medium", "campaign").register(registry);
    campaignBounces = Counter.builder().withoutExemplars().name("rum_campaign_bounces_total")
        .help("Ended human sessions that bounced, by campaign.")
        .labelNames("service_name", "source", "medium", "campaign").register(registry);
    campaignConversions = Counter.builder().withoutExemplars().name("rum_campaign_conversions_total")
        .help("Conversions in human sessions, by the session's campaign.")
        .labelNames("service_name", "source", "medium", "campaign", "conversion").register(registry);
    backendSpans = Counter.builder().withoutExemplars().name("rum_backend_spans_total")
        .help("Backend (server) spans, by whether they joined a browser session through their trace id.")
        .labelNames("service_name", "outcome").register(registry);
    exported = Counter.builder().withoutExemplars().name("rum_export_spans_total")
        .help("Spans handed to the OTLP exporter, by kind and result.")
        .labelNames("kind", "outcome").register(registry);
  }

  /** Gauges whose value is read from the component that owns it. */
  public void registerCapacity(PrometheusRegistry registry, long cap, LongSupplier queueSize, long queueCapacity) {
    GaugeWithCallback.builder().name("rum_sessions_active_limit")
        .help("The configured cap on active sessions.")
        .callback(cb -> cb.call(cap)).register(registry);
    GaugeWithCallback.builder().name("rum_export_queue_size")
        .help("Spans waiting in the OTLP export queue.")
        .callback(cb -> cb.call(queueSize.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("rum_export_queue_capacity")
        .help("Capacity of the OTLP export queue.")
        .callback(cb -> cb.call(queueCapacity)).register(registry);
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
  public void restored(String service) {
    active.labelValues(service).inc();
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

  public void spans(String service, String outcome, long n) {
    if (n > 0) spans.labelValues(service, outcome).inc(n);
  }

  public void request(String transport, String outcome) {
    requests.labelValues(transport, outcome).inc();
  }

  public void ingestSeconds(String transport, double seconds) {
    ingestDuration.labelValues(transport).observe(seconds);
  }

  public void exported(String kind, String outcome, long n) {
    if (n > 0) exported.labelValues(kind, outcome).inc(n);
  }
}

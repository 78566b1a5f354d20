package io.rumsessions.processor.engine;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.CampaignAttributor;
import io.rumsessions.processor.attribution.CampaignRegistry;
import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.attribution.SourceLists;
import io.rumsessions.processor.bots.BehaviourRule;
import io.rumsessions.processor.bots.BotFilter;
import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.AttributionConfig;
import io.rumsessions.processor.config.ConfigException;
import io.rumsessions.processor.config.ExportConfig;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.durability.CheckpointStore;
import io.rumsessions.processor.durability.DurableState;
import io.rumsessions.processor.durability.PendingExports;
import io.rumsessions.processor.durability.StateChanges;
import io.rumsessions.processor.export.ForwardedSpans;
import io.rumsessions.processor.export.SessionSpanListener;
import io.rumsessions.processor.export.SessionSpans;
import io.rumsessions.processor.identity.CookieFreeId;
import io.rumsessions.processor.identity.DailySalts;
import io.rumsessions.processor.identity.TraceSessions;
import io.rumsessions.processor.identity.VisitorIdentity;
import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.metrics.DurableRegistry;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.metrics.ServiceNames;
import io.rumsessions.processor.privacy.Redaction;
import io.rumsessions.processor.session.EngagementRule;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.session.SessionSummary;
import io.rumsessions.processor.visitors.UniqueVisitors;
import java.time.InstantSource;
import java.util.List;

/**
 * The rules and the recoverable state they work on, wired once from a {@link ProcessorConfig}:
 * the span pipeline (identity, consent, bots, attribution), the session store, the counters,
 * the visitor sketches and the durable state that logs and checkpoints all of it. The embedded
 * processor runs one; the distributed mode runs one per Kafka partition, with its log and
 * checkpoints in a changelogged store. Receivers, exporters and timers are the caller's.
 */
public final class SessionEngine {
  private final DurableRegistry registry;
  private final RumMetrics metrics;
  private final SessionStore sessions;
  private final UniqueVisitors visitors;
  private final PendingExports exports;
  private final DurableState state;
  private final SpanPipeline pipeline;
  private final InputMapping inputMapping;
  private final ForwardedSpans forwarded;

  /**
   * @param checkpoints where checkpoints go; null: {@code state.dir}
   * @param logOpener where the state log goes; null: {@code state.dir}
   */
  public SessionEngine(ProcessorConfig config, InstantSource clock, DurableRegistry registry, DailySalts salts,
      CheckpointStore checkpoints, DurableState.LogOpener logOpener) {
    this.registry = registry;
    EngagementRule engagement = new EngagementRule(config.session().engagedAfter());
    this.metrics = new RumMetrics(registry, engagement);

    ExportConfig ex = config.export();
    // Spans to export are written into the state log with the changes that made them: the log is the export queue.
    this.exports = new PendingExports();
    SessionListener listener = metrics;
    if (ex.enabled() && ex.sessionSpans()) {
      SessionListener spans = new SessionSpanListener(new SessionSpans(engagement), exports);
      listener = both(metrics, spans);
    }
    this.sessions = new SessionStore(config.session(), listener,
        config.bots().enabled() ? new BehaviourRule(config.bots().behaviour()) : BehaviourRule.disabled());
    metrics.registerCapacity(registry, sessions.capacity());

    SiteCalendar calendar = new SiteCalendar(config.session().timeZone());
    VisitorsConfig vc = config.visitors();
    this.visitors = vc.enabled() ? new UniqueVisitors(vc, calendar) : null;
    ServiceNames services = new ServiceNames(config.metrics().maxServices());
    config.metrics().services().forEach(name -> metrics.browserService(services.canonical(name)));
    TraceSessions traces = new TraceSessions(config.session().traceMapSize());
    RecentSpans recent = new RecentSpans(config.state().recentSpans());
    AttributionConfig.LastNonDirectConfig lnd = config.attribution().lastNonDirect();
    LastNonDirect lastNonDirect = lnd.enabled() ? new LastNonDirect(lnd.lookback().toMillis(), lnd.maxVisitors()) : null;
    StateChanges changes = new StateChanges(sessions, traces, metrics, visitors, services, recent, exports, lastNonDirect);
    this.state = checkpoints == null
        ? new DurableState(config.state(), changes, sessions, metrics, visitors, recent, lastNonDirect)
        : new DurableState(config.state(), changes, sessions, metrics, visitors, recent, lastNonDirect, checkpoints, logOpener);

    this.forwarded = ex.enabled() && ex.forwardSpans()
        ? new ForwardedSpans(new Redaction(pageUrlAttributes(config), config.input().sessionIdAttributes(), config.input().sessionIdUrlParameter()),
            config.input().maxAttributes(), config.input().maxValueLength())
        : null;
    this.inputMapping = new InputMapping(config.input(), config.consent());
    ForwardedSpans fw = forwarded;
    metrics.registerAttributeLimits(registry, inputMapping::truncatedValues,
        () -> fw == null ? 0 : fw.truncatedValues(), () -> fw == null ? 0 : fw.droppedAttributes());
    this.pipeline = new SpanPipeline(
        inputMapping,
        new VisitorIdentity(config.consent(), new CookieFreeId(salts),
            (service, keyId) -> sessions.isActive(new SessionKey(service, keyId)), calendar),
        BotFilter.from(config.bots()),
        new CampaignAttributor(SourceLists.bundled(), loadRegistry(config.attribution().registry()),
            config.attribution().maxLabelValues(), config.attribution().sameSiteDomains()),
        config.attribution().conversions(), state, services,
        forwarded, forwarded == null ? null : exports, visitors, clock, config.input().maxClockSkew());
  }

  /**
   * Restores the checkpoint and replays the log after it, then registers the state's metrics;
   * call once, before the first span.
   */
  public DurableState.Recovery recover(long nowMillis) throws java.io.IOException {
    DurableState.Recovery recovery = state.recover(nowMillis);
    state.registerMetrics(registry);
    registry.view(state::durableView);
    return recovery;
  }

  /**
   * Attributes holding a URL of the site: the page's, and the referrer, which on every page after
   * the first is the previous page of the site, query string and all.
   */
  private static List<String> pageUrlAttributes(ProcessorConfig config) {
    List<String> keys = new java.util.ArrayList<>(config.input().urlAttributes());
    keys.addAll(config.input().referrerAttributes());
    return keys;
  }

  private static SessionListener both(SessionListener a, SessionListener b) {
    return new SessionListener() {
      @Override
      public void started(String service, String sessionId, String device, Attribution attribution) {
        a.started(service, sessionId, device, attribution);
        b.started(service, sessionId, device, attribution);
      }

      @Override
      public void ended(SessionSummary summary) {
        a.ended(summary);
        b.ended(summary);
      }

      @Override
      public void restored(String service, int count) {
        a.restored(service, count);
        b.restored(service, count);
      }

      @Override
      public void evicted(String service) {
        a.evicted(service);
        b.evicted(service);
      }

      @Override
      public void botSession(String service, String reason, boolean wasCounted) {
        a.botSession(service, reason, wasCounted);
        b.botSession(service, reason, wasCounted);
      }
    };
  }

  private static CampaignRegistry loadRegistry(java.nio.file.Path path) {
    try {
      return CampaignRegistry.load(path);
    } catch (RuntimeException e) {
      throw new ConfigException("attribution.registry: " + e.getMessage(), e);
    }
  }

  public DurableRegistry registry() {
    return registry;
  }

  public RumMetrics metrics() {
    return metrics;
  }

  public SessionStore sessions() {
    return sessions;
  }

  /** The unique-visitor sketches; null when {@code visitors.enabled} is false. */
  public UniqueVisitors visitors() {
    return visitors;
  }

  public PendingExports exports() {
    return exports;
  }

  public DurableState state() {
    return state;
  }

  public SpanPipeline pipeline() {
    return pipeline;
  }
}

package io.rumsessions.processor;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.rumsessions.processor.metrics.MetricsEndpoint;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rumsessions.processor.config.ExportConfig;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.identity.DailySalts;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.metrics.DurableRegistry;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.receive.Admission;
import io.rumsessions.processor.receive.MemoryLimiter;
import io.rumsessions.processor.receive.OtlpGrpcReceiver;
import io.rumsessions.processor.receive.OtlpHttpReceiver;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.config.StateConfig;
import io.rumsessions.processor.durability.DurableState;
import io.rumsessions.processor.durability.LogExportQueue;
import io.rumsessions.processor.export.ExportMetrics;
import io.rumsessions.processor.export.ExportQueue;
import io.rumsessions.processor.export.DurableExporter;
import io.rumsessions.processor.export.GrpcOtlpSender;
import io.rumsessions.processor.export.HttpOtlpSender;
import io.rumsessions.processor.export.OtlpSender;
import io.rumsessions.processor.engine.SessionEngine;
import io.rumsessions.processor.snapshot.VisitorsFile;
import io.rumsessions.processor.visitors.UniqueVisitors;
import io.rumsessions.processor.snippet.SnippetHandler;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires the components from a {@link ProcessorConfig}, starts them, and stops them in order:
 * receivers first (no new spans), then a checkpoint of the state, then the exporter.
 */
public final class RumSessionsProcessor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RumSessionsProcessor.class.getName());

  private final ProcessorConfig config;
  private final InstantSource clock;
  private final DurableRegistry registry = new DurableRegistry();
  private final SessionStore sessions;
  private final DurableExporter exporter;
  private final Admission admission;
  private final MemoryLimiter memory;
  private final OtlpHttpReceiver http;
  private final OtlpGrpcReceiver grpc;
  private final DurableState state;
  private final UniqueVisitors visitors;
  private final VisitorsFile visitorsFile;
  private final SpanPipeline pipeline;
  private final SessionEngine engine;
  private final ScheduledExecutorService sweeper;
  /** Checkpoints and fsyncs, apart from the sweeper: writing a large checkpoint must not delay session ends. */
  private final ScheduledExecutorService stateTasks;
  private HTTPServer metricsServer;
  private boolean closed;

  public RumSessionsProcessor(ProcessorConfig config, InstantSource clock) throws IOException {
    this.config = config;
    this.clock = clock;
    JvmMetrics.builder().register(registry);
    this.engine = new SessionEngine(config, clock, registry,
        new DailySalts(new SecureRandom(), config.state().saltDir()), null, null);
    RumMetrics metrics = engine.metrics();
    this.sessions = engine.sessions();
    this.visitors = engine.visitors();
    this.visitorsFile = new VisitorsFile(config.state().dir());
    this.state = engine.state();
    DurableState.Recovery recovery = engine.recover(clock.millis());
    ExportConfig ex = config.export();
    ExportMetrics exportMetrics = new ExportMetrics(registry);
    if (ex.enabled()) {
      state.exportSpans(true);
      ExportQueue queue = new LogExportQueue(state);
      exportMetrics.registerQueue(registry, queue, ex.queueMaxBytes());
      this.exporter = new DurableExporter(queue, sender(ex), ex, exportMetrics);
    } else {
      this.exporter = null;
    }
    if (recovery.fromCheckpoint() || recovery.replayedRecords() > 0) {
      LOG.log(System.Logger.Level.INFO, "recovered {0} sessions from {1} and {2} log records ({3} bytes) in {4} ms"
          + " (checkpoint read {5} ms, restored {6} ms, log replayed {7} ms)",
          recovery.sessions(), state.checkpoints().describe(), recovery.replayedRecords(), recovery.replayedBytes(), recovery.millis(),
          recovery.readMillis(), recovery.restoreMillis(), recovery.replayMillis());
    }

    if (visitors != null) {
      VisitorsConfig vc = config.visitors();
      try {
        // The checkpoint holds the sketches as of its log position; the file may be newer, and
        // replaying the log on top of it would take known visitors for new ones.
        if (!state.restoredFromCheckpoint() && visitorsFile.readInto(visitors, clock.millis())) {
          LOG.log(System.Logger.Level.INFO, "restored visitor sketches from {0}", visitorsFile.path());
        }
      } catch (IOException e) {
        // Sketches are estimates: losing them costs accuracy for a while, not the service.
        LOG.log(System.Logger.Level.WARNING, "ignoring unreadable visitor sketches " + visitorsFile.path(), e);
      }
      metrics.registerVisitors(registry, visitors, clock::millis, String.format(java.util.Locale.ROOT,
          "relative standard error %.1f %% a day, %.1f %% over 7 or 30 days",
          100 * UniqueVisitors.relativeStandardError(vc.lgK(), false), 100 * UniqueVisitors.relativeStandardError(vc.lgK(), true)));
    }
    this.pipeline = engine.pipeline();

    this.memory = new MemoryLimiter(config.receiver().memoryLimitRatio());
    metrics.registerMemoryLimiter(registry, memory);
    this.admission = new Admission(config.receiver().maxConcurrentRequests(), memory);
    state.groupCommitWith(admission);
    this.http = new OtlpHttpReceiver(config.receiver(), config.consent(), pipeline, metrics, admission);
    http.serve("/rum.js", new SnippetHandler());
    this.grpc = new OtlpGrpcReceiver(config.receiver(), pipeline, metrics, admission);
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rum-session-sweeper");
      t.setDaemon(true);
      return t;
    });
    this.stateTasks = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rum-state");
      t.setDaemon(true);
      return t;
    });
  }




  /** The OTLP sender {@code export.protocol} says. */
  public static OtlpSender sender(ExportConfig ex) {
    return ex.protocol() == ExportConfig.Protocol.GRPC
        ? new GrpcOtlpSender(ex.endpoint(), ex.timeout(), ex.headers())
        : new HttpOtlpSender(ex.endpoint(), ex.timeout(), ex.headers());
  }

  public RumSessionsProcessor start() throws IOException {
    metricsServer = MetricsEndpoint.start(config.metrics(), registry);
    if (exporter != null) exporter.start();
    grpc.start();
    http.start();
    long every = config.session().sweepInterval().toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    long memoryEvery = Math.max(10, config.receiver().memoryCheckInterval().toMillis());
    sweeper.scheduleWithFixedDelay(memory::check, memoryEvery, memoryEvery, TimeUnit.MILLISECONDS);
    long checkpointEvery = config.state().checkpointInterval().toMillis();
    if (checkpointEvery > 0) stateTasks.scheduleWithFixedDelay(this::checkpoint, checkpointEvery, checkpointEvery, TimeUnit.MILLISECONDS);
    // A long log makes a slow restart: checked every second, written by size as well as by time.
    stateTasks.scheduleWithFixedDelay(() -> {
      if (state.logIsLong()) checkpoint();
    }, 1000, 1000, TimeUnit.MILLISECONDS);
    if (config.state().durability() == StateConfig.Durability.INTERVAL) {
      long sync = Math.max(1, config.state().fsyncInterval().toMillis());
      stateTasks.scheduleWithFixedDelay(state::sync, sync, sync, TimeUnit.MILLISECONDS);
    }
    long save = config.visitors().saveInterval().toMillis();
    if (visitors != null && save > 0) sweeper.scheduleWithFixedDelay(this::saveVisitors, save, save, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Ends idle sessions now, as the sweeper does (for callers that drive time with their own clock). */
  public void sweep(long nowMillis) {
    state.sweep(nowMillis);
  }

  private void sweep() {
    try {
      state.sweep(clock.millis());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "session sweep failed", e);
    }
  }

  private void checkpoint() {
    try {
      state.checkpoint();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "could not write a checkpoint; the state log keeps growing until one succeeds", e);
    }
  }

  private void saveVisitors() {
    try {
      visitorsFile.write(visitors);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "could not write the visitor sketches", e);
    }
  }

  /** The unique-visitor sketches; null when {@code visitors.enabled} is false. */
  public UniqueVisitors visitors() {
    return visitors;
  }

  public int httpPort() {
    return http.port();
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int metricsPort() {
    return metricsServer.getPort();
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public SessionStore sessions() {
    return sessions;
  }

  /** The span pipeline the receivers call, for benchmarks that measure it without a socket. */
  public SpanPipeline pipeline() {
    return pipeline;
  }

  /** Lets tests fill the receivers' admission permits to provoke overload answers. */
  Admission admission() {
    return admission;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    admission.close();
    http.close();
    grpc.close();
    // Not shutdownNow: a sweep or checkpoint is let finish rather than interrupted half way, and
    // no longer paced (state.checkpoint-cpu-share): the requests it made room for have stopped.
    state.checkpoints().hurry();
    sweeper.shutdown();
    stateTasks.shutdown();
    try {
      sweeper.awaitTermination(10, TimeUnit.SECONDS);
      stateTasks.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (config.state().snapshotOnShutdown()) {
      try {
        state.checkpoint();
        LOG.log(System.Logger.Level.INFO, "wrote a checkpoint of {0} active sessions to {1}", sessions.activeCount(),
            state.checkpoints().describe());
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "could not write the checkpoint; the next start replays the state log", e);
      }
    }
    if (exporter != null) exporter.close();
    try {
      state.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.ERROR, "could not close the state log", e);
    }
    if (visitors != null) saveVisitors();
    if (metricsServer != null) metricsServer.close();
  }
}

package io.rumsessions.processor.export;

import io.rumsessions.processor.config.ExportConfig;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends the spans of the export queue (the state log) to the OTLP endpoint, in batches, in log
 * order. A batch is sent until the endpoint accepts it, with exponential backoff (and the
 * endpoint's Retry-After) between tries; only then does the queue's cursor move, so an outage
 * of any length, or a crash during one, loses nothing while the queue is within
 * {@code export.queue-max-bytes}. Past that, the oldest spans are dropped and counted. A batch
 * the endpoint refuses outright (a permanent error) is counted as failed and skipped.
 *
 * <p>Delivery is at least once: a crash after the endpoint accepted a batch and before the
 * cursor was written sends that batch again.
 */
public final class DurableExporter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DurableExporter.class.getName());
  private static final long IDLE_MILLIS = 100;

  private final ExportQueue queue;
  private final OtlpSender sender;
  private final ExportConfig config;
  private final ExportMetrics metrics;
  private final Thread worker;
  private volatile boolean running = true;
  private volatile long drainUntilNanos = Long.MAX_VALUE;
  private long lastWarningNanos;

  public DurableExporter(ExportQueue queue, OtlpSender sender, ExportConfig config, ExportMetrics metrics) {
    this.queue = queue;
    this.sender = sender;
    this.config = config;
    this.metrics = metrics;
    this.worker = new Thread(this::run, "rum-export");
    this.worker.setDaemon(true);
  }

  public DurableExporter start() {
    worker.start();
    return this;
  }

  private void run() {
    while (running) {
      try {
        ExportQueue.Batch batch = queue.next(config.batchSize());
        if (batch.items().isEmpty()) {
          // Nothing (more) to send: at shutdown that is the end of the drain.
          if (drainUntilNanos != Long.MAX_VALUE) return;
          pause(IDLE_MILLIS);
          continue;
        }
        deliver(batch);
      } catch (InterruptedException e) {
        if (!running) return;
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "export queue: could not read the state log", e);
        sleepQuietly(1000);
      }
    }
  }

  private void deliver(ExportQueue.Batch batch) throws IOException, InterruptedException {
    byte[] request = batch.requestBytes();
    long backoff = config.retryInitialInterval().toMillis();
    while (true) {
      OtlpSender.Result r = sender.send(request);
      switch (r.outcome()) {
        case SUCCESS -> {
          count(batch, "success");
          queue.commit(batch.after());
          return;
        }
        case FAILED -> {
          LOG.log(System.Logger.Level.WARNING, "OTLP export of {0} spans refused, not sent again: {1}", batch.items().size(), r.message());
          count(batch, "failed");
          queue.commit(batch.after());
          return;
        }
        case RETRY -> {
          metrics.exportRetry();
          warnNowAndThen(batch, r);
          if (queue.pendingBytes() > config.queueMaxBytes()) {
            // The oldest spans go first, as in a ring: the newest are the ones still worth having.
            count(batch, "dropped");
            queue.commit(batch.after());
            return;
          }
          long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
          pause(Math.max(r.retryAfterMillis(), jittered));
          backoff = Math.min(backoff * 2, config.retryMaxInterval().toMillis());
        }
      }
    }
  }

  private void warnNowAndThen(ExportQueue.Batch batch, OtlpSender.Result r) {
    long now = System.nanoTime();
    if (now - lastWarningNanos < 30_000_000_000L) return;
    lastWarningNanos = now;
    LOG.log(System.Logger.Level.WARNING, "OTLP export of {0} spans failed ({1}); retrying with backoff, {2} bytes queued",
        batch.items().size(), r.message(), queue.pendingBytes());
  }

  private void count(ExportQueue.Batch batch, String outcome) {
    long sessions = batch.items().stream().filter(i -> i.kindLabel().equals("session")).count();
    metrics.exported("session", outcome, sessions);
    metrics.exported("forwarded", outcome, batch.items().size() - sessions);
  }

  /**
   * Waits in short steps, watching for shutdown: the thread is never interrupted, since an
   * interrupt during a file operation would close what it was using.
   */
  private void pause(long millis) throws InterruptedException {
    long until = System.nanoTime() + millis * 1_000_000L;
    while (running && System.nanoTime() < until) {
      if (System.nanoTime() > drainUntilNanos) throw new InterruptedException("shutting down; the queue is kept");
      Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000L)));
    }
    if (!running) throw new InterruptedException("stopped");
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends what is queued for up to {@code export.timeout}, then stops; what is left stays in the
   * log and goes out after the next start.
   */
  @Override
  public void close() {
    drainUntilNanos = System.nanoTime() + config.timeout().toNanos();
    try {
      worker.join(config.timeout().toMillis() + 2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running = false;
    try {
      worker.join(config.timeout().toMillis() + 5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.close();
  }

}

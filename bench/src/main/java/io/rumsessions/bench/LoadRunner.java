package io.rumsessions.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one sender over the pre-built pool. Request {@code n} of the run is pool entry
 * {@code n % size} with generation {@code n / size} (so a replay is new sessions); the cursor
 * carries on across phases.
 *
 * <p>Closed loop (saturation): {@code concurrency} requests always in flight. Open loop (fixed
 * rate): request {@code i} is due at {@code start + i / rate} whether or not earlier ones have
 * been answered, and its latency is measured from that intended time, so a stall shows up in
 * the latencies of every request it delayed (no coordinated omission).
 */
public final class LoadRunner {
  private final Sender sender;
  private final List<Payloads.Payload> pool;
  private final AtomicLong cursor;
  private final int generationBase;

  public LoadRunner(Sender sender, List<Payloads.Payload> pool, AtomicLong cursor, int generationBase) {
    this.sender = sender;
    this.pool = pool;
    this.cursor = cursor;
    this.generationBase = generationBase;
  }

  /** What one phase did. Latencies in nanoseconds, sorted. */
  public record Phase(long requests, long spansSent, long okRequests, long acceptedSpans, long rejectedSpans,
      long failedRequests, long failedSpans, long wallNanos, long[] latencies, List<String> errors) {
    public long percentile(double p) {
      if (latencies.length == 0) return -1;
      int i = (int) Math.ceil(p / 100.0 * latencies.length) - 1;
      return latencies[Math.max(0, Math.min(latencies.length - 1, i))];
    }

    public double spansPerSecond() {
      return acceptedSpans / (wallNanos / 1e9);
    }
  }

  private final class Recorder {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong spansSent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong failedSpans = new AtomicLong();
    final AtomicInteger outstanding = new AtomicInteger();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    final AtomicInteger errorCount = new AtomicInteger();
    long[] latencies;
    /** Per request, in the order answers came, when a request log is wanted: its due time and how late it was sent. */
    final long[] dues;
    final long[] lates;
    final AtomicInteger latencyCount = new AtomicInteger();

    Recorder(int expected, boolean perRequest) {
      latencies = new long[Math.max(1024, expected)];
      dues = perRequest ? new long[latencies.length] : null;
      lates = perRequest ? new long[latencies.length] : null;
    }

    void record(long due, long late, long latency) {
      int i = latencyCount.getAndIncrement();
      long[] l = latencies;
      if (i < l.length) {
        l[i] = latency;
        if (dues != null) {
          dues[i] = due;
          lates[i] = late;
        }
      }
    }

    /** Sends the next pool entry; {@code due} is the intended send time (nanoTime). */
    void send(long due, Runnable after) {
      long n = cursor.getAndIncrement();
      Payloads.Payload p = pool.get((int) (n % pool.size()));
      byte[] body = p.forGeneration(generationBase + (int) (n / pool.size()));
      requests.incrementAndGet();
      spansSent.addAndGet(p.spans());
      outstanding.incrementAndGet();
      long late = System.nanoTime() - due;
      sender.send(body, (success, rej, error) -> {
        record(due, late, System.nanoTime() - due);
        if (success) {
          ok.incrementAndGet();
          accepted.addAndGet(p.spans() - rej);
          rejected.addAndGet(rej);
        } else {
          failed.incrementAndGet();
          failedSpans.addAndGet(p.spans());
          if (errorCount.getAndIncrement() < 5) errors.add(error);
        }
        outstanding.decrementAndGet();
        if (after != null) after.run();
      });
    }

    Phase finish(long wallNanos) throws InterruptedException {
      return finish(wallNanos, null);
    }

    Phase finish(long wallNanos, Path requestLog) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(35);
      while (outstanding.get() > 0 && System.nanoTime() < deadline) Thread.sleep(1);
      int n = Math.min(latencyCount.get(), latencies.length);
      if (requestLog != null) writeRequests(requestLog, n);
      long[] l = Arrays.copyOf(latencies, n);
      Arrays.sort(l);
      return new Phase(requests.get(), spansSent.get(), ok.get(), accepted.get(), rejected.get(), failed.get(),
          failedSpans.get(), wallNanos, l, List.copyOf(errors));
    }

    /**
     * One line per request, in due order: its intended send time (UTC, microseconds since the
     * epoch, to line up with the servers' GC and JIT logs), its latency and how late the generator
     * sent it (microseconds). A slow request sent late is the generator's stall, not the server's.
     */
    private void writeRequests(Path log, int n) {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      Arrays.sort(order, (a, b) -> Long.compare(dues[a], dues[b]));
      long epochOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
      StringBuilder b = new StringBuilder("due_utc_us\tlatency_us\tsent_late_us\n");
      for (int i : order) {
        b.append((dues[i] + epochOffset) / 1000).append('\t').append(latencies[i] / 1000).append('\t')
            .append(lates[i] / 1000).append('\n');
      }
      try {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, b);
      } catch (IOException e) {
        throw new UncheckedIOException("could not write the request log " + log, e);
      }
    }
  }

  /**
   * {@code concurrency} requests in flight for {@code seconds}. Only requests answered inside
   * the window count toward the phase's wall time; the caller measures CPU over the same window
   * via {@code window}.
   */
  public Phase closedLoop(int concurrency, double seconds, Runnable atStart, Runnable atEnd) throws InterruptedException {
    Recorder r = new Recorder((int) Math.min(50_000_000, seconds * 200_000), false);
    long durationNanos = (long) (seconds * 1e9);
    CountDownLatch stopped = new CountDownLatch(concurrency);
    if (atStart != null) atStart.run();
    long start = System.nanoTime();
    long end = start + durationNanos;
    for (int i = 0; i < concurrency; i++) {
      Runnable[] loop = new Runnable[1];
      loop[0] = () -> {
        if (System.nanoTime() < end) r.send(System.nanoTime(), loop[0]);
        else stopped.countDown();
      };
      loop[0].run();
    }
    stopped.await((long) seconds + 60, TimeUnit.SECONDS);
    long wall = System.nanoTime() - start;
    if (atEnd != null) atEnd.run();
    return r.finish(wall);
  }

  /** Exactly {@code requests} requests, {@code concurrency} in flight. */
  public Phase closedLoopCount(int concurrency, long requests) throws InterruptedException {
    Recorder r = new Recorder((int) Math.min(50_000_000, requests + 16), false);
    AtomicLong left = new AtomicLong(requests);
    CountDownLatch stopped = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      Runnable[] loop = new Runnable[1];
      loop[0] = () -> {
        if (left.getAndDecrement() > 0) r.send(System.nanoTime(), loop[0]);
        else stopped.countDown();
      };
      loop[0].run();
    }
    stopped.await(3600, TimeUnit.SECONDS);
    return r.finish(System.nanoTime() - start);
  }

  /** {@code requestsPerSecond} for {@code seconds}, open loop. */
  public Phase openLoop(double requestsPerSecond, double seconds, Runnable atStart, Runnable atEnd) throws InterruptedException {
    return openLoop(requestsPerSecond, seconds, atStart, atEnd, null);
  }

  /** The same, writing every request to {@code requestLog} (see {@code Recorder.writeRequests}) when it is not null. */
  public Phase openLoop(double requestsPerSecond, double seconds, Runnable atStart, Runnable atEnd, Path requestLog)
      throws InterruptedException {
    long count = (long) (requestsPerSecond * seconds);
    Recorder r = new Recorder((int) Math.min(50_000_000, count + 16), requestLog != null);
    double period = 1e9 / requestsPerSecond;
    if (atStart != null) atStart.run();
    long start = System.nanoTime();
    for (long i = 0; i < count; i++) {
      long due = start + (long) (i * period);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
      r.send(due, null);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(35);
    while (r.outstanding.get() > 0 && System.nanoTime() < deadline) Thread.sleep(1);
    long wall = System.nanoTime() - start;
    if (atEnd != null) atEnd.run();
    return r.finish(wall, requestLog);
  }
}

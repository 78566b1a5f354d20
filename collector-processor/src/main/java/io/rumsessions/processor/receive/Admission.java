package io.rumsessions.processor.receive;

import io.rumsessions.processor.durability.RequestTraffic;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the requests being decoded and sessionized at once. A request that finds no permit is
 * answered at once with a retryable status (HTTP 429, gRPC UNAVAILABLE) and a Retry-After, the
 * OTLP way of asking a client to back off; once closing, every request gets 503.
 */
public final class Admission implements RequestTraffic {
  private final Semaphore permits;
  private final AtomicInteger onTheirWay = new AtomicInteger();
  private final AtomicLong arrivals = new AtomicLong();
  private volatile Runnable noneOnTheirWay = () -> {};
  private final MemoryLimiter memory;
  private volatile boolean closing;

  public Admission(int maxConcurrent) {
    this(maxConcurrent, new MemoryLimiter(1));
  }

  public Admission(int maxConcurrent, MemoryLimiter memory) {
    this.permits = new Semaphore(maxConcurrent);
    this.memory = memory;
  }

  /** Whether the heap is above the memory limit: refuse with 429 / RESOURCE_EXHAUSTED before reading the body. */
  public boolean memoryLimited() {
    return memory.refusing();
  }

  /** Whether a request may proceed; the caller must {@link #release()} if so. */
  public boolean tryAcquire() {
    return !closing && permits.tryAcquire();
  }

  /**
   * Waits up to {@code waitMillis} for a permit: a request read in full queues briefly rather than
   * being refused at once when the decoders are busy for a moment.
   */
  public boolean tryAcquire(long waitMillis) {
    if (closing) return false;
    try {
      return permits.tryAcquire(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public void release() {
    permits.release();
  }

  /**
   * What a request that holds a permit runs once it is applied and logged, before its wait for the
   * fsync, and again when it ends: the first call runs {@code arrived} and gives the permit back,
   * later ones do nothing. Waiting is not decoding, and requests that wait together share an fsync.
   * For the request's own thread only.
   */
  public Runnable giveBackOnce(Runnable arrived) {
    boolean[] done = {false};
    return () -> {
      if (!done[0]) {
        done[0] = true;
        arrived.run();
        permits.release();
      }
    };
  }

  /** A request is on its way to the state log: its body is being read, decoded or applied. */
  public void arriving() {
    arrivals.incrementAndGet();
    onTheirWay.incrementAndGet();
  }

  /** The request {@link #arriving() on its way} has appended its changes, or was refused or abandoned. */
  public void arrived() {
    if (onTheirWay.decrementAndGet() == 0) noneOnTheirWay.run();
  }

  @Override
  public void whenNoneOnTheirWay(Runnable noneOnTheirWay) {
    this.noneOnTheirWay = noneOnTheirWay;
  }

  /**
   * Requests on their way to the state log: the fsync of a group waits for them (up to
   * {@code state.commit-delay}), since their records will need one too.
   */
  @Override
  public int onTheirWay() {
    return onTheirWay.get();
  }

  @Override
  public long arrivals() {
    return arrivals.get();
  }

  public boolean closing() {
    return closing;
  }

  public void close() {
    closing = true;
  }
}

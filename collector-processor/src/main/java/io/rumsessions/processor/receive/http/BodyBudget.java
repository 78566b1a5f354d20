package io.rumsessions.processor.receive.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of HTTP request bodies held at once, from the first byte read to their answer.
 *
 * <p>Why: an event loop reads every connection's body at the same time, so without a bound a
 * thousand clients declaring a 4 MiB body (and trickling it) would make the receiver allocate
 * 4 GB. The JDK server bounded this by its reader threads, one body each; the budget keeps that
 * bound ({@code receiver.http-threads × receiver.max-request-bytes}) without tying a thread to a
 * slow client. A request that finds the budget spent is refused as overloaded (429 + Retry-After).
 */
public final class BodyBudget {
  private final AtomicLong free;

  public BodyBudget(long bytes) {
    this.free = new AtomicLong(bytes);
  }

  /** Takes {@code n} bytes if that many are free; all or nothing. */
  boolean take(long n) {
    for (long f = free.get(); f >= n; f = free.get()) {
      if (free.compareAndSet(f, f - n)) return true;
    }
    return false;
  }

  void give(long n) {
    free.addAndGet(n);
  }

  /** Bytes no body holds now. */
  long free() {
    return free.get();
  }
}

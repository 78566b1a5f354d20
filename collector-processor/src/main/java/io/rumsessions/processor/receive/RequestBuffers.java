package io.rumsessions.processor.receive;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Arrays that hold request bodies, used again from one request to the next.
 *
 * <p>Why: a gRPC request copied into a fresh array was most of what the processor allocated
 * (about 800 of the 1,250 bytes per browser span), so young collections came about three times as
 * often as the rest of the work needed, and each one stopped the requests in flight. A request's
 * bytes are not kept past its ingest ({@link OtlpWireSpans} copies what it keeps into Strings and
 * protobuf messages), so its array can take the next request.
 *
 * <p>Bounded: at most {@code count} arrays are kept, none longer than {@code largestKept}. A
 * request that finds no array free, or none long enough, gets a new one; an array over the bound
 * is left to the collector after its request. An array never given back (a call cancelled between
 * its read and its handling) is simply collected: nothing here must be released.
 */
final class RequestBuffers {
  /** Smallest array made, so that small requests do not each grow the kept arrays by a step. */
  static final int SMALLEST = 16 * 1024;

  private final ArrayBlockingQueue<byte[]> free;
  private final int largestKept;

  RequestBuffers(int count, int largestKept) {
    if (count < 1 || largestKept < SMALLEST) {
      throw new IllegalArgumentException("count " + count + " < 1 or largestKept " + largestKept + " < " + SMALLEST);
    }
    this.free = new ArrayBlockingQueue<>(count);
    this.largestKept = largestKept;
  }

  /** An array of at least {@code length} bytes, with arbitrary contents. */
  byte[] take(int length) {
    byte[] b = free.poll();
    if (b != null && b.length >= length) return b;
    // One too short is dropped rather than put back, so the kept arrays grow to the requests'
    // sizes instead of cycling through the queue unused.
    return new byte[sizeFor(length)];
  }

  /** Keeps {@code b} for a later request if it is within the bound and there is room; null (no array was read) is ignored. */
  void give(byte[] b) {
    if (b != null && b.length <= largestKept) free.offer(b);
  }

  /** Powers of two up to the bound, so a run of slightly larger requests does not regrow each time. */
  int sizeFor(int length) {
    if (length > largestKept) return length;
    if (length <= SMALLEST) return SMALLEST;
    return Math.min(largestKept, Integer.highestOneBit(length - 1) << 1);
  }

  /** Arrays free now; for tests. */
  int kept() {
    return free.size();
  }
}

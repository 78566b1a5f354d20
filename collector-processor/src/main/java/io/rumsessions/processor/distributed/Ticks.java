package io.rumsessions.processor.distributed;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The time of an input partition, sent to every session partition: sessions end on it rather
 * than on the wall clock, so they end in the order the spans came and the same way when a
 * partition's input is processed again after a failover. A tick is a record with the header
 * {@code rum-tick}; its value is the input partition, their number and the time.
 */
final class Ticks {
  static final String HEADER = "rum-tick";
  private static final byte[] MARK = {1};

  private Ticks() {}

  static Headers headers() {
    RecordHeaders h = new RecordHeaders();
    h.add(HEADER, MARK);
    return h;
  }

  static boolean isTick(Headers headers) {
    return headers != null && headers.lastHeader(HEADER) != null;
  }

  static byte[] encode(int source, int sources, long timeMillis) {
    return ByteBuffer.allocate(16).putInt(source).putInt(sources).putLong(timeMillis).array();
  }

  /**
   * The time up to which every input partition has sent its spans: the least of their latest
   * ticks, or -1 until each has sent one.
   */
  static final class Watermark {
    private long[] latest = new long[0];

    /** Takes a tick in; returns the watermark after it. */
    long update(byte[] tick) {
      ByteBuffer b = ByteBuffer.wrap(tick);
      int source = b.getInt();
      int sources = b.getInt();
      long time = b.getLong();
      if (sources > latest.length) {
        long[] grown = new long[sources];
        java.util.Arrays.fill(grown, -1);
        System.arraycopy(latest, 0, grown, 0, latest.length);
        latest = grown;
      }
      if (source >= 0 && source < latest.length && time > latest[source]) latest[source] = time;
      long min = Long.MAX_VALUE;
      for (long t : latest) min = Math.min(min, t);
      return latest.length == 0 ? -1 : min;
    }
  }
}

package io.rumsessions.processor.distributed;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Spans waiting for the input partitions' time to pass their own, in the partition's
 * changelogged store (so a span read, committed and not yet applied survives a crash, and is
 * applied once): keyed by arrival time, then by the offset they were read at, so they come out
 * in the order they reached the Collector and, within a millisecond, the order they were read.
 */
final class ReorderBuffer {
  static final byte PREFIX = 'B';

  /** How a drained span is applied. */
  interface Sink {
    void apply(long arrivalMillis, byte[] spans);
  }

  private final KeyValueStore<Bytes, byte[]> store;

  ReorderBuffer(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  private static Bytes key(long arrivalMillis, long offset) {
    return Bytes.wrap(ByteBuffer.allocate(17).put(PREFIX).putLong(arrivalMillis).putLong(offset).array());
  }

  void add(long arrivalMillis, long offset, byte[] spans) {
    store.put(key(arrivalMillis, offset), spans);
  }

  /** Applies, in order, and removes every span that arrived at or before {@code millis}. */
  void drainUpTo(long millis, Sink sink) {
    // Read out first: applying writes to the same store, which an open iterator must not see.
    List<org.apache.kafka.streams.KeyValue<Bytes, byte[]>> due = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.range(key(0, 0), key(millis, Long.MAX_VALUE))) {
      while (it.hasNext()) due.add(it.next());
    }
    for (var e : due) {
      sink.apply(ByteBuffer.wrap(e.key.get(), 1, 8).getLong(), e.value);
      store.delete(e.key);
    }
  }
}

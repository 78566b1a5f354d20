package io.rumsessions.processor.distributed;

import io.rumsessions.processor.durability.StateLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A partition's state log in its changelogged Kafka Streams store: a record is an entry keyed
 * by its end position. Writing it is not yet durability: the entry reaches the changelog in
 * the same transaction that commits the input offsets it came from, so the log is exactly as
 * durable as the consumption it records — the transaction is the group commit. The records
 * are the embedded mode's (StateChanges), so replay is the same code.
 */
final class StoreStateLog implements StateLog {
  /** Log entries: 'L' and the end position, big-endian (so the store's byte order is log order). */
  static final byte PREFIX = 'L';
  /** Appended by this instance since it started (a metric, not state). */
  private long records;

  private final KeyValueStore<Bytes, byte[]> store;
  private final Consumer<byte[]> exports;
  private long position;
  private long oldest;

  private StoreStateLog(KeyValueStore<Bytes, byte[]> store, Consumer<byte[]> exports) {
    this.store = store;
    this.exports = exports;
  }

  /**
   * Replays the entries after {@code from} in order and continues after the last one.
   *
   * @param exports takes each record's spans to export (its export section), in the same
   *     transaction; the log keeps the state changes only
   */
  static StoreStateLog open(KeyValueStore<Bytes, byte[]> store, long from, Consumer<ByteBuffer> replay,
      Consumer<byte[]> exports) {
    StoreStateLog log = new StoreStateLog(store, exports);
    log.position = from;
    log.oldest = Long.MAX_VALUE;
    try (KeyValueIterator<Bytes, byte[]> it = store.range(key(0), key(Long.MAX_VALUE))) {
      while (it.hasNext()) {
        var e = it.next();
        long end = ByteBuffer.wrap(e.key.get(), 1, 8).getLong();
        log.oldest = Math.min(log.oldest, end - e.value.length);
        if (end <= from) continue;
        replay.accept(ByteBuffer.wrap(e.value));
        log.position = end;
      }
    }
    if (log.oldest == Long.MAX_VALUE) log.oldest = log.position;
    return log;
  }

  static Bytes key(long endPosition) {
    return Bytes.wrap(ByteBuffer.allocate(9).put(PREFIX).putLong(endPosition).array());
  }

  @Override
  public long append(byte[] first, int firstLength, byte[] second, int secondLength) {
    if (secondLength > 0) exports.accept(java.util.Arrays.copyOf(second, secondLength));
    if (firstLength <= 4) return position;
    byte[] record = java.util.Arrays.copyOf(first, firstLength);
    position += record.length;
    store.put(key(position), record);
    records++;
    return position;
  }

  @Override
  public void read(long from, long upTo, RecordVisitor visitor) throws IOException {
    try (KeyValueIterator<Bytes, byte[]> it = store.range(key(from + 1), key(upTo))) {
      while (it.hasNext()) {
        var e = it.next();
        long end = ByteBuffer.wrap(e.key.get(), 1, 8).getLong();
        if (!visitor.visit(ByteBuffer.wrap(e.value), end)) return;
      }
    }
  }

  /** Durable with the transaction that commits the input it came from; nothing to wait for here. */
  @Override
  public void awaitDurable(long position) {}

  @Override
  public void sync() {}

  @Override
  public long position() {
    return position;
  }

  @Override
  public long durablePosition() {
    return position;
  }

  @Override
  public IOException failure() {
    return null;
  }

  @Override
  public void rotate() {}

  @Override
  public void deleteBefore(long upTo) {
    List<Bytes> covered = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.range(key(0), key(upTo))) {
      while (it.hasNext()) covered.add(it.next().key);
    }
    for (Bytes k : covered) store.delete(k);
    oldest = Math.max(oldest, upTo);
  }

  @Override
  public long records() {
    return records;
  }

  /** None: a record is durable once the transaction that holds it commits (Kafka's replication). */
  @Override
  public long syncs() {
    return 0;
  }

  @Override
  public long bytesOnDisk() {
    return position - oldest;
  }

  @Override
  public void close() {}
}

package io.rumsessions.processor.durability;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The log of state changes a checkpoint is followed by: records appended in order, each at a
 * position (a log sequence number that grows by the record's size), read back by recovery and
 * by the export queue. Files in {@code state.dir} in the embedded mode ({@link FileStateLog});
 * a changelogged Kafka Streams store in the distributed mode, where the transaction that
 * commits the input offsets makes a record durable.
 */
public interface StateLog extends AutoCloseable {
  /** A record read back: its payload and the log position after it. */
  interface RecordVisitor {
    /** @return false to stop reading */
    boolean visit(ByteBuffer payload, long endPosition) throws IOException;
  }

  /**
   * Appends one record whose payload is {@code first[0, firstLength)} followed by {@code
   * second[0, secondLength)} and returns the position after it. Once a write has failed every
   * append fails: what follows a lost record must not be acknowledged either.
   */
  long append(byte[] first, int firstLength, byte[] second, int secondLength) throws IOException;

  /** Reads the records that start at or after {@code from} and end at or before {@code upTo}, in order. */
  void read(long from, long upTo, RecordVisitor visitor) throws IOException;

  /** Returns once everything up to {@code position} is as durable as an acknowledgement needs. */
  void awaitDurable(long position) throws IOException;

  /** What is called once a record is durable, or once it can no longer be made so. */
  @FunctionalInterface
  interface Durable {
    /** @param failure null when the record is durable; else the error that lost it (answer 503) */
    void done(IOException failure);
  }

  /**
   * Calls {@code then} once everything up to {@code position} is as durable as an
   * acknowledgement needs, without blocking the caller: a receiver's thread goes on to the next
   * request while the fsync is made, so one fsync covers every request that arrived meanwhile.
   * {@code then} may run on the calling thread (already durable) or on the log's own thread.
   */
  default void whenDurable(long position, Durable then) {
    IOException failure = null;
    try {
      awaitDurable(position);
    } catch (IOException e) {
      failure = e;
    }
    then.done(failure);
  }

  /** Makes durable what has been written so far (the {@code interval} mode's timer). */
  void sync() throws IOException;

  /** The position after the last appended record. */
  long position();

  long durablePosition();

  /** The first write or sync error, or null: the log accepts nothing after one. */
  IOException failure();

  /** Starts a new segment at the current position (at a checkpoint); called under the state lock. */
  void rotate() throws IOException;

  /** Drops the records that end at or before {@code position} (a checkpoint covers them). */
  void deleteBefore(long position) throws IOException;

  /** Records appended since the process started. */
  long records();

  /** Fsyncs since the process started (records ÷ syncs = requests a group commit covered); 0 where none are made. */
  long syncs();

  /** Bytes the log holds now. */
  long bytesOnDisk();

  @Override
  void close() throws IOException;
}

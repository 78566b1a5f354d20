package io.rumsessions.processor.export;

import io.rumsessions.processor.durability.PendingExports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The spans waiting for the OTLP endpoint, read in order from a cursor that moves only once the
 * endpoint accepted them: the state log in the embedded mode ({@code LogExportQueue}), the
 * export topic in the distributed mode ({@code KafkaExportQueue}).
 */
public interface ExportQueue {
  /** Where a batch ends: the next record to read and how many of its spans are already sent. */
  record Cursor(long position, int item) {}

  /** Spans read from the queue, their OTLP bytes one after another, and where the queue goes on after them. */
  record Batch(List<PendingExports.Item> items, Cursor after) {
    public byte[] requestBytes() {
      int n = 0;
      for (PendingExports.Item i : items) n += i.request().remaining();
      byte[] out = new byte[n];
      int at = 0;
      for (PendingExports.Item i : items) {
        ByteBuffer b = i.request().duplicate();
        int len = b.remaining();
        b.get(out, at, len);
        at += len;
      }
      return out;
    }
  }

  /** Up to about {@code maxSpans} spans from the cursor on; empty when nothing is waiting. */
  Batch next(int maxSpans) throws IOException;

  /** The endpoint accepted the batch (or it is given up): the cursor moves past it, durably. */
  void commit(Cursor after) throws IOException;

  /** Bytes waiting; past {@code export.queue-max-bytes} the exporter drops the oldest. */
  long pendingBytes();

  /** Arrival time of the oldest span not yet accepted, 0 when none is waiting. */
  long oldestArrivalMillis();
}

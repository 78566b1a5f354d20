package io.rumsessions.processor.durability;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import io.rumsessions.processor.export.ExportQueue;

/**
 * The embedded mode's export queue: a cursor over the state log: the spans each record exports are read in
 * log order from {@code state.dir/export.cursor} on, and the cursor moves (fsynced) only after
 * the endpoint accepted them, so a crash or an outage re-sends from the last accepted batch. The
 * log keeps every segment the cursor has not passed; {@code export.queue-max-bytes} bounds that.
 */
public final class LogExportQueue implements ExportQueue {
  private final DurableState state;
  private final Path cursorFile;
  private long position;
  private int item;
  private volatile long oldestArrivalMillis;

  public LogExportQueue(DurableState state) throws IOException {
    this.state = state;
    this.cursorFile = state.directory().resolve("export.cursor");
    if (Files.exists(cursorFile)) {
      try (DataInputStream in = new DataInputStream(Files.newInputStream(cursorFile))) {
        position = in.readLong();
        item = in.readInt();
      }
    }
    state.exportedUpTo(position);
  }

  /** Up to {@code maxSpans} spans from the cursor on; empty when nothing is waiting. */
  @Override
  public Batch next(int maxSpans) throws IOException {
    List<PendingExports.Item> items = new ArrayList<>();
    long[] at = {position, item};
    long upTo = state.exportablePosition();
    if (upTo <= position) {
      oldestArrivalMillis = 0;
      return new Batch(items, new Cursor(position, item));
    }
    state.log().read(position, upTo, (payload, end) -> {
      List<PendingExports.Item> all = new ArrayList<>();
      PendingExports.read(StateChanges.exportSection(payload), all::add);
      int from = (int) at[1];
      int take = Math.min(all.size() - from, maxSpans - items.size());
      if (take > 0) items.addAll(all.subList(from, from + take));
      if (from + Math.max(take, 0) < all.size()) {
        at[1] = from + take;
        return false;
      }
      at[0] = end;
      at[1] = 0;
      return items.size() < maxSpans;
    });
    oldestArrivalMillis = items.isEmpty() ? 0 : items.get(0).arrivalMillis();
    if (items.isEmpty() && at[0] > position) {
      // Only state changes since the cursor: it moves past them in memory (reading them again
      // after a crash costs nothing), so the queue reads empty.
      position = at[0];
      item = 0;
      state.exportedUpTo(position);
    }
    return new Batch(items, new Cursor(at[0], (int) at[1]));
  }

  /** The endpoint accepted the batch (or it is given up): the cursor moves past it, durably. */
  @Override
  public void commit(Cursor after) throws IOException {
    Path tmp = cursorFile.resolveSibling("export.cursor.tmp");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
      out.writeLong(after.position());
      out.writeInt(after.item());
    }
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Files.move(tmp, cursorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    position = after.position();
    item = after.item();
    state.exportedUpTo(position);
  }

  /** Bytes of log from the cursor to the newest exportable record (state changes included). */
  @Override
  public long pendingBytes() {
    return Math.max(0, state.exportablePosition() - position);
  }

  /** Arrival time of the oldest span not yet accepted, 0 when none is waiting. */
  @Override
  public long oldestArrivalMillis() {
    return oldestArrivalMillis;
  }
}

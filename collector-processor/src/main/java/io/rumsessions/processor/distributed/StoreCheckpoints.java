package io.rumsessions.processor.distributed;

import io.rumsessions.processor.durability.Checkpoint;
import io.rumsessions.processor.durability.CheckpointStore;
import io.rumsessions.processor.durability.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A partition's checkpoint in its changelogged store, in chunks below Kafka's message size
 * (the bytes {@link Checkpoints#encode} makes, as the file holds them). The chunks and the
 * manifest that names them reach the changelog in one transaction, so a restore finds the
 * old checkpoint or the new one, whole.
 */
final class StoreCheckpoints implements CheckpointStore {
  static final int CHUNK = 512 << 10;
  private static final Bytes MANIFEST = Bytes.wrap(new byte[] {'M'});

  private final KeyValueStore<Bytes, byte[]> store;
  private final String name;

  StoreCheckpoints(KeyValueStore<Bytes, byte[]> store, String name) {
    this.store = store;
    this.name = name;
  }

  private static Bytes chunk(int i) {
    return Bytes.wrap(ByteBuffer.allocate(5).put((byte) 'C').putInt(i).array());
  }

  @Override
  public void write(Checkpoint c) throws IOException {
    byte[] bytes = Checkpoints.encode(c);
    int chunks = Math.max(1, (bytes.length + CHUNK - 1) / CHUNK);
    byte[] old = store.get(MANIFEST);
    int oldChunks = old == null ? 0 : ByteBuffer.wrap(old).getInt();
    for (int i = 0; i < chunks; i++) {
      int from = i * CHUNK;
      byte[] part = new byte[Math.min(CHUNK, bytes.length - from)];
      System.arraycopy(bytes, from, part, 0, part.length);
      store.put(chunk(i), part);
    }
    for (int i = chunks; i < oldChunks; i++) store.delete(chunk(i));
    store.put(MANIFEST, ByteBuffer.allocate(12).putInt(chunks).putLong(bytes.length).array());
  }

  @Override
  public Checkpoint read() throws IOException {
    byte[] manifest = store.get(MANIFEST);
    if (manifest == null) return null;
    ByteBuffer m = ByteBuffer.wrap(manifest);
    int chunks = m.getInt();
    long size = m.getLong();
    List<java.io.InputStream> parts = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      byte[] part = store.get(chunk(i));
      if (part == null) throw new IOException(describe() + ": chunk " + i + " of " + chunks + " is missing");
      parts.add(new ByteArrayInputStream(part));
    }
    return Checkpoints.decode(new SequenceInputStream(Collections.enumeration(parts)), size, describe());
  }

  @Override
  public String describe() {
    return name;
  }
}

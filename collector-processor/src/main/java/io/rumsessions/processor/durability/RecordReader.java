package io.rumsessions.processor.durability;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads what {@link RecordBuffer} wrote; a record that ends early is an error, not a guess. */
final class RecordReader {
  private final ByteBuffer in;

  RecordReader(ByteBuffer in) {
    this.in = in;
  }

  boolean hasMore() {
    return in.hasRemaining();
  }

  int readByte() throws IOException {
    need(1);
    return in.get() & 0xff;
  }

  long readVarint() throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      byte b = in.get();
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) return v;
    }
    throw new IOException("state log: varint too long");
  }

  long readLong() throws IOException {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) v |= (long) (in.get() & 0xff) << (8 * i);
    return v;
  }

  String readString() throws IOException {
    long n = readVarint();
    if (n == 0) return null;
    int len = (int) (n - 1);
    need(len);
    String s = new String(in.array(), in.arrayOffset() + in.position(), len, StandardCharsets.UTF_8);
    in.position(in.position() + len);
    return s;
  }

  int readInt() throws IOException {
    need(4);
    int v = 0;
    for (int i = 0; i < 4; i++) v |= (in.get() & 0xff) << (8 * i);
    return v;
  }

  /** The next {@code n} bytes as a buffer of their own, skipping them here. */
  ByteBuffer slice(int n) throws IOException {
    need(n);
    ByteBuffer s = in.slice().limit(n);
    in.position(in.position() + n);
    return s;
  }

  /** What is left, as a buffer of its own. */
  ByteBuffer rest() {
    return in.slice();
  }

  private void need(int n) throws IOException {
    if (n < 0 || in.remaining() < n) throw new IOException("state log: record ends early");
  }
}

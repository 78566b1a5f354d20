package io.rumsessions.processor.durability;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of one state-log record as it is built: varints, fixed longs and length-prefixed
 * UTF-8 strings, in a growing array used again for every record.
 */
final class RecordBuffer {
  private byte[] buf = new byte[4096];
  private int len;

  void reset() {
    len = 0;
  }

  int length() {
    return len;
  }

  byte[] array() {
    return buf;
  }

  private void ensure(int more) {
    if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
  }

  /** Writes into this buffer, for encoders that write to a stream. */
  java.io.OutputStream asStream() {
    return new java.io.OutputStream() {
      @Override
      public void write(int b) {
        writeByte(b);
      }

      @Override
      public void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
      }
    };
  }

  /** Writes an int at {@code at}, over bytes already written (a length known only at the end). */
  void putInt(int at, int v) {
    for (int i = 0; i < 4; i++) buf[at + i] = (byte) (v >>> (8 * i));
  }

  void writeInt(int v) {
    ensure(4);
    for (int i = 0; i < 4; i++) buf[len++] = (byte) (v >>> (8 * i));
  }

  void writeByte(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  void writeVarint(long v) {
    ensure(10);
    while ((v & ~0x7fL) != 0) {
      buf[len++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    buf[len++] = (byte) v;
  }

  void writeLong(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) buf[len++] = (byte) (v >>> (8 * i));
  }

  /** Length + 1 as a varint (0 for null), then the UTF-8 bytes; ASCII without a copy of its own. */
  void writeString(String s) {
    if (s == null) {
      writeVarint(0);
      return;
    }
    int n = s.length();
    boolean ascii = true;
    for (int i = 0; i < n && ascii; i++) ascii = s.charAt(i) < 0x80;
    if (ascii) {
      writeVarint(n + 1L);
      ensure(n);
      for (int i = 0; i < n; i++) buf[len++] = (byte) s.charAt(i);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    writeVarint(utf8.length + 1L);
    ensure(utf8.length);
    System.arraycopy(utf8, 0, buf, len, utf8.length);
    len += utf8.length;
  }
}

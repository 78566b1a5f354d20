package io.rumsessions.processor.input;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The attribute names the input mapping reads, with each one's role and rank, looked up by name
 * or straight from a name's UTF-8 bytes in a protobuf payload, so a span's other attributes are
 * never turned into strings. An open-addressing table: a dozen to a few dozen names, probed with
 * a hash of the bytes after a length filter that most names of other attributes fail.
 */
final class AttributeRoles {
  static final int NONE = -1;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Map<String, Integer> byName = new HashMap<>();
  private byte[][] keys;
  private int[] codes;
  private int mask;
  /** Bit n set when some name is n bytes long (names of 64 bytes or more set bit 63). */
  private long lengths;

  /** Adds a name unless it already has a role: the first list to name an attribute keeps it. */
  void putIfAbsent(String name, int code) {
    if (byName.putIfAbsent(name, code) == null) rebuild();
  }

  int code(String name) {
    Integer c = byName.get(name);
    return c == null ? NONE : c;
  }

  int code(byte[] buf, int off, int len) {
    if ((lengths & (1L << Math.min(len, 63))) == 0) return NONE;
    int h = hash(buf, off, len);
    for (int i = h & mask; ; i = (i + 1) & mask) {
      byte[] k = keys[i];
      if (k == null) return NONE;
      if (k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) return codes[i];
    }
  }

  private void rebuild() {
    int size = Integer.highestOneBit(Math.max(4, byName.size() * 4 - 1)) << 1;
    keys = new byte[size][];
    codes = new int[size];
    mask = size - 1;
    lengths = 0;
    for (Map.Entry<String, Integer> e : byName.entrySet()) {
      byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
      lengths |= 1L << Math.min(k.length, 63);
      int i = hash(k, 0, k.length) & mask;
      while (keys[i] != null) i = (i + 1) & mask;
      keys[i] = k;
      codes[i] = e.getValue();
    }
  }

  /**
   * The length and the first and last eight bytes: asked for every attribute of every span, so
   * two loads instead of a multiply per byte; names that share all three are told apart by the
   * comparison in {@link #code(byte[], int, int)}.
   */
  private static int hash(byte[] b, int off, int len) {
    long h;
    if (len >= 8) {
      h = (long) LONGS.get(b, off) * 0x9e3779b97f4a7c15L + (long) LONGS.get(b, off + len - 8);
    } else {
      h = 0;
      for (int i = off, end = off + len; i < end; i++) h = h << 8 | (b[i] & 0xff);
    }
    h = (h ^ len) * 0xbf58476d1ce4e5b9L;
    return (int) (h ^ (h >>> 32));
  }
}

package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * How a {@link SessionTable}'s pages are written to a checkpoint and read back: the number columns
 * as they lie in memory (a bulk copy each way, little-endian), the references per slot behind a
 * mask of which are set. Labels that repeat across sessions (device, bot reason, landing and exit
 * page, attribution) go through a dictionary, defined where first used, so reading them back makes
 * one object per distinct value, shared as the live sessions share them; the rare per-session
 * texts (a key that is not 32 hex digits, the previous session id, the user id) are written inline.
 * The service is not written per slot: it follows from the slot's service number.
 */
final class TableCodec {
  private TableCodec() {}

  /** Field kinds of the references, by their index in a slot. */
  static final int SKIP = 0, INLINE = 1, LABEL = 2, ATTRIBUTION = 3;

  /** Writes one checkpoint's tables; the dictionary spans them all. */
  static final class Writer {
    private final DataOutputStream out;
    private final HashMap<Object, Integer> dictionary = new HashMap<>();
    /** Per reference field, the last object written and its entry: labels repeat from slot to slot. */
    private final Object[] lastObject;
    private final int[] lastEntry;
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    Writer(DataOutputStream out, int refFields) {
      this.out = out;
      this.lastObject = new Object[refFields];
      this.lastEntry = new int[refFields];
    }

    void writeInt(int v) throws IOException {
      out.writeInt(v);
    }

    void writeUTF(String s) throws IOException {
      out.writeUTF(s);
    }

    void writeLongs(long[] page) throws IOException {
      ByteBuffer b = room(page.length * 8);
      b.asLongBuffer().put(page);
      out.write(b.array(), 0, page.length * 8);
    }

    void writeInts(int[] page) throws IOException {
      ByteBuffer b = room(page.length * 4);
      b.asIntBuffer().put(page);
      out.write(b.array(), 0, page.length * 4);
    }

    /** The references of a page: per slot a mask of those set, then each; the section's length first. */
    void writeRefs(Object[] page, int slots, int fields, int[] kinds) throws IOException {
      ByteBuffer b = room(1 << 12);
      for (int s = 0; s < slots; s++) {
        int base = s * fields;
        int mask = 0;
        for (int f = 0; f < fields; f++) {
          if (kinds[f] != SKIP && page[base + f] != null) mask |= 1 << f;
        }
        b = ensure(b, 5);
        putVarint(b, mask);
        for (int f = 0; mask != 0 && f < fields; f++) {
          if ((mask & 1 << f) == 0) continue;
          Object o = page[base + f];
          if (kinds[f] == INLINE) {
            b = putString(b, (String) o);
            continue;
          }
          int entry;
          if (o == lastObject[f]) {
            entry = lastEntry[f];
          } else {
            Integer known = dictionary.get(o);
            b = ensure(b, 5);
            if (known == null) {
              entry = dictionary.size();
              dictionary.put(o, entry);
              putVarint(b, 0);
              if (kinds[f] == ATTRIBUTION) {
                Attribution a = (Attribution) o;
                b = putString(b, a.source());
                b = putString(b, a.medium());
                b = putString(b, a.campaign());
                b = putString(b, a.channelLabel());
              } else {
                b = putString(b, (String) o);
              }
              lastObject[f] = o;
              lastEntry[f] = entry;
              continue;
            }
            entry = known;
            lastObject[f] = o;
            lastEntry[f] = entry;
          }
          b = ensure(b, 5);
          putVarint(b, entry + 1);
        }
      }
      out.writeInt(b.position());
      out.write(b.array(), 0, b.position());
    }

    private ByteBuffer room(int bytes) {
      if (buffer.capacity() < bytes) buffer = ByteBuffer.allocate(Math.max(bytes, buffer.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
      return buffer.clear();
    }

    private ByteBuffer ensure(ByteBuffer b, int bytes) {
      if (b.remaining() >= bytes) return b;
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + bytes)).order(ByteOrder.LITTLE_ENDIAN);
      bigger.put(b.array(), 0, b.position());
      buffer = bigger;
      return bigger;
    }

    /** A string exactly as it is: its chars as bytes when all are below 256, else as two bytes each. */
    private ByteBuffer putString(ByteBuffer b, String s) {
      int n = s.length();
      boolean wide = false;
      for (int i = 0; i < n && !wide; i++) wide = s.charAt(i) > 0xFF;
      b = ensure(b, 5 + n * (wide ? 2 : 1));
      putVarint(b, n << 1 | (wide ? 1 : 0));
      if (wide) {
        for (int i = 0; i < n; i++) b.putChar(s.charAt(i));
      } else {
        for (int i = 0; i < n; i++) b.put((byte) s.charAt(i));
      }
      return b;
    }
  }

  /** Reads what a {@link Writer} wrote, in the same order. */
  static final class Reader {
    private final DataInputStream in;
    private final List<Object> dictionary = new ArrayList<>();
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    Reader(DataInputStream in) {
      this.in = in;
    }

    int readInt() throws IOException {
      return in.readInt();
    }

    String readUTF() throws IOException {
      return in.readUTF();
    }

    void readLongs(long[] page) throws IOException {
      ByteBuffer b = fill(page.length * 8);
      b.asLongBuffer().get(page);
    }

    void readInts(int[] page) throws IOException {
      ByteBuffer b = fill(page.length * 4);
      b.asIntBuffer().get(page);
    }

    void readRefs(Object[] page, int slots, int fields, int[] kinds) throws IOException {
      int length = in.readInt();
      if (length < 0 || length > (1 << 30)) throw new IOException("checkpoint: implausible page length " + length);
      ByteBuffer b = fill(length);
      try {
        for (int s = 0; s < slots; s++) {
          int base = s * fields;
          int mask = getVarint(b);
          for (int f = 0; mask != 0 && f < fields; f++) {
            if ((mask & 1 << f) == 0) continue;
            if (kinds[f] == SKIP) throw new IOException("checkpoint: a reference that is never written");
            if (kinds[f] == INLINE) {
              page[base + f] = getString(b);
              continue;
            }
            int entry = getVarint(b);
            if (entry == 0) {
              Object o;
              if (kinds[f] == ATTRIBUTION) {
                Attribution a = new Attribution(getString(b), getString(b), getString(b), Attribution.NOT_SET,
                    Attribution.NOT_SET, Channel.fromLabel(getString(b)));
                o = a.equals(Attribution.direct()) ? Attribution.direct() : a;
              } else {
                o = getString(b);
              }
              dictionary.add(o);
              page[base + f] = o;
            } else {
              if (entry > dictionary.size()) throw new IOException("checkpoint: unknown dictionary entry " + entry);
              page[base + f] = dictionary.get(entry - 1);
            }
          }
        }
      } catch (java.nio.BufferUnderflowException | ClassCastException e) {
        throw new IOException("checkpoint: damaged page of references", e);
      }
      if (b.hasRemaining()) throw new IOException("checkpoint: page of references longer than its slots");
    }

    private ByteBuffer fill(int bytes) throws IOException {
      if (buffer.capacity() < bytes) buffer = ByteBuffer.allocate(Math.max(bytes, buffer.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
      in.readFully(buffer.array(), 0, bytes);
      return buffer.clear().limit(bytes);
    }

    private static String getString(ByteBuffer b) throws IOException {
      int head = getVarint(b);
      int n = head >>> 1;
      if ((head & 1) == 0) {
        if (n > b.remaining()) throw new IOException("checkpoint: damaged text");
        String s = new String(b.array(), b.position(), n, java.nio.charset.StandardCharsets.ISO_8859_1);
        b.position(b.position() + n);
        return s;
      }
      if (n * 2L > b.remaining()) throw new IOException("checkpoint: damaged text");
      char[] c = new char[n];
      for (int i = 0; i < n; i++) c[i] = b.getChar();
      return new String(c);
    }
  }

  static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7F) != 0) {
      b.put((byte) (v & 0x7F | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  static int getVarint(ByteBuffer b) throws IOException {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int x = b.get();
      v |= (x & 0x7F) << shift;
      if ((x & 0x80) == 0) return v;
    }
    throw new IOException("checkpoint: damaged number");
  }
}

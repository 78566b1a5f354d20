package io.rumsessions.processor.receive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads protobuf wire format from a byte array, with the bounds and limits protobuf-java's
 * {@code CodedInputStream} applies, so that what it would refuse is refused here too. Errors are
 * {@link Malformed}, unchecked and without a stack trace: a flood of bad requests must not cost
 * a stack walk each.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;
  /** protobuf-java's default recursion limit for nested messages and groups. */
  static final int MAX_DEPTH = 100;
  /** Eight bytes of an array as one long, to test eight bytes for ASCII at once. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  /** Thrown on bytes that are not valid protobuf; the message says what and where. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  final byte[] buf;
  int pos;

  ProtoReader(byte[] buf) {
    this.buf = buf;
  }

  /** The tag a field of this number and wire type starts with. */
  static int fieldTag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** The next tag before {@code limit}; its field number is never 0. */
  int tag(int limit) {
    int at = pos;
    int tag = (int) varint(limit);
    if (tag >>> 3 == 0) throw new Malformed("invalid field number 0 at byte " + at);
    return tag;
  }

  long varint(int limit) {
    // Most tags and lengths are one byte: kept small so that it inlines into its callers.
    if (pos < limit) {
      byte b = buf[pos];
      if (b >= 0) {
        pos++;
        return b;
      }
    }
    return longVarint(limit);
  }

  private long longVarint(int limit) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) throw new Malformed("truncated varint at byte " + pos);
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) return result;
    }
    throw new Malformed("varint longer than 10 bytes before byte " + pos);
  }

  long fixed64(int limit) {
    if (limit - pos < 8) throw new Malformed("truncated fixed64 at byte " + pos);
    long v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | (buf[pos + i] & 0xff);
    pos += 8;
    return v;
  }

  /** Reads a length prefix and returns where the delimited bytes end; {@code pos} is where they start. */
  int delimited(int limit) {
    int at = pos;
    int length = (int) varint(limit);
    if (length < 0) throw new Malformed("negative length at byte " + at);
    if (length > limit - pos) throw new Malformed("length " + length + " at byte " + at + " runs past the end of its message");
    return pos + length;
  }

  /** Skips the value of a field whose tag was just read. */
  void skip(int tag, int limit, int depth) {
    switch (tag & 7) {
      case VARINT -> varint(limit);
      case FIXED64 -> {
        if (limit - pos < 8) throw new Malformed("truncated fixed64 at byte " + pos);
        pos += 8;
      }
      case LENGTH_DELIMITED -> pos = delimited(limit);
      case START_GROUP -> skipGroup(tag >>> 3, limit, depth);
      case FIXED32 -> {
        if (limit - pos < 4) throw new Malformed("truncated fixed32 at byte " + pos);
        pos += 4;
      }
      case END_GROUP -> throw new Malformed("end-group tag without a group at byte " + pos);
      default -> throw new Malformed("invalid wire type " + (tag & 7) + " before byte " + pos);
    }
  }

  private void skipGroup(int field, int limit, int depth) {
    if (depth >= MAX_DEPTH) throw new Malformed("groups nested deeper than " + MAX_DEPTH + " at byte " + pos);
    while (true) {
      if (pos >= limit) throw new Malformed("group " + field + " not ended before byte " + limit);
      int tag = tag(limit);
      if ((tag & 7) == END_GROUP) {
        if (tag >>> 3 != field) throw new Malformed("end-group tag for field " + (tag >>> 3) + " ends group " + field + " at byte " + pos);
        return;
      }
      skip(tag, limit, depth + 1);
    }
  }

  /** Checks that {@code buf[from, to)} is well-formed UTF-8, as protobuf-java requires of proto3 strings. */
  void checkUtf8(int from, int to) {
    // Browser spans' strings (URLs, user agents, keys) are nearly all ASCII: this part is kept
    // small so that it inlines into the request check's loop, which calls it for every string.
    int i = from;
    while (to - i >= 8 && ((long) LONGS.get(buf, i) & HIGH_BITS) == 0) i += 8;
    for (; i < to; i++) {
      if (buf[i] < 0) {
        checkUtf8After(i, to);
        return;
      }
    }
  }

  /** The rest of {@link #checkUtf8} from {@code i}, where a byte that is not ASCII is. */
  private void checkUtf8After(int i, int to) {
    while (i < to) {
      if (to - i >= 8 && ((long) LONGS.get(buf, i) & HIGH_BITS) == 0) {
        i += 8;
        continue;
      }
      int b = buf[i];
      if (b >= 0) {
        i++;
        continue;
      }
      int next = Utf8.sequenceEnd(buf, i, to);
      if (next < 0) throw new Malformed("invalid UTF-8 in a string at byte " + i);
      i = next;
    }
  }
}

package io.rumsessions.processor.receive;

import static io.rumsessions.processor.receive.ProtoReader.FIXED64;
import static io.rumsessions.processor.receive.ProtoReader.LENGTH_DELIMITED;
import static io.rumsessions.processor.receive.ProtoReader.VARINT;
import static io.rumsessions.processor.receive.ProtoReader.fieldTag;

import java.util.Arrays;

/**
 * Attributes (KeyValues) as {@link OtlpWireSpans} recorded them while checking a request: where
 * each key lies in the request's bytes, and its value's case (as its tag) with where a string lies
 * or a number's bits. One int array, five ints an attribute, used again request after request.
 */
final class WireAttributes {
  // AnyValue's cases, as tags.
  static final int STRING_VALUE = fieldTag(1, LENGTH_DELIMITED);
  static final int BOOL_VALUE = fieldTag(2, VARINT);
  static final int INT_VALUE = fieldTag(3, VARINT);
  static final int DOUBLE_VALUE = fieldTag(4, FIXED64);
  static final int ARRAY_VALUE = fieldTag(5, LENGTH_DELIMITED);
  static final int KVLIST_VALUE = fieldTag(6, LENGTH_DELIMITED);
  static final int BYTES_VALUE = fieldTag(7, LENGTH_DELIMITED);
  static final int STRINDEX_VALUE = fieldTag(8, VARINT);

  private static final int KEY = 0, KEY_LENGTH = 1, TAG = 2, FIRST = 3, SECOND = 4;
  private static final int FIELDS = 5;

  private int[] records = new int[32 * FIELDS];
  private int count;

  int count() {
    return count;
  }

  /** Attributes the records have room for. */
  int capacity() {
    return records.length / FIELDS;
  }

  void clear() {
    count = 0;
  }

  /** A new attribute with no key and no value yet; returns its index. */
  int add() {
    if ((count + 1) * FIELDS > records.length) records = Arrays.copyOf(records, records.length * 2);
    int at = count * FIELDS;
    records[at + KEY] = 0;
    records[at + KEY_LENGTH] = 0;
    records[at + TAG] = 0;
    return count++;
  }

  void key(int i, int start, int length) {
    records[i * FIELDS + KEY] = start;
    records[i * FIELDS + KEY_LENGTH] = length;
  }

  /** The value's case, and where its bytes lie (a string) or nothing (arrays, maps, bytes). */
  void value(int i, int tag, int start, int end) {
    int at = i * FIELDS;
    records[at + TAG] = tag;
    records[at + FIRST] = start;
    records[at + SECOND] = end;
  }

  /** The value's case and its bits (bool, int, double, string index). */
  void bits(int i, int tag, long bits) {
    int at = i * FIELDS;
    records[at + TAG] = tag;
    records[at + FIRST] = (int) bits;
    records[at + SECOND] = (int) (bits >>> 32);
  }

  int keyStart(int i) {
    return records[i * FIELDS + KEY];
  }

  int keyLength(int i) {
    return records[i * FIELDS + KEY_LENGTH];
  }

  /** The value as text, as {@code InputMapping.stringOf} gives it; null for arrays, maps, bytes and no value. */
  String text(int i, byte[] buf, RequestTexts texts) {
    int at = i * FIELDS;
    int tag = records[at + TAG];
    if (tag == STRING_VALUE) return texts.text(buf, records[at + FIRST], records[at + SECOND] - records[at + FIRST]);
    long bits = (long) records[at + SECOND] << 32 | (records[at + FIRST] & 0xffffffffL);
    if (tag == BOOL_VALUE) return bits != 0 ? "true" : "false";
    if (tag == INT_VALUE) return Long.toString(bits);
    if (tag == DOUBLE_VALUE) return Double.toString(Double.longBitsToDouble(bits));
    return null;
  }
}

package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.JsonToken;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@link JsonTokens} of plain JSON, read straight from the body's bytes: what the OpenTelemetry
 * SDKs post, read without Jackson's machinery (no symbol table, no parsing context, no text
 * buffer; each byte looked at once, most of them by one tight loop over a string's text).
 *
 * <p>Plain means: strings of well-formed UTF-8 with JSON's escapes (but no escaped surrogate);
 * field names without escapes; integers within a long;
 * scalars in the forms the SDKs write (ids as hex, 64-bit integers as digits, enums as numbers);
 * nesting up to {@link #MAX_DEPTH}; only space, tab, CR and LF between tokens. On anything else,
 * valid JSON or not, it throws {@link Unusual} and the caller reads the body again with {@link
 * JacksonTokens}, which accepts and refuses exactly as the message decoder does. So this class
 * never refuses a body; it only takes the bodies whose reading is unambiguous, and reads them as
 * Jackson would.
 *
 * <p>Written by hand because no JSON library reads into offsets of the caller's buffer. It is a
 * fast path, not a parser: correctness rests on the fallback, and {@code OtlpJsonSpansTest} and
 * {@code OtlpJsonSpansFuzzTest} compare every read with the message decoder's.
 */
final class PlainJsonTokens extends JsonTokens {
  /** Thrown when the body is not plain: read it with Jackson. Preallocated, without a stack trace. */
  static final class Unusual extends RuntimeException {
    Unusual() {
      super("not plain JSON: read with Jackson", null, false, false);
    }
  }

  /** The name of any field the walk does not read: equal to none of its cases. */
  static final String OTHER = "\u0000another field";

  /** Deeper than any OTLP export needs (an attribute value holding lists of lists), within Jackson's limit of 64. */
  static final int MAX_DEPTH = 48;

  /**
   * Every field name the walk of {@link OtlpJsonSpans} reads, in both spellings ({@code
   * OtlpJsonSpansTest} checks the walk's source against it). Any other unescaped name is {@link
   * #OTHER}: the walk skips its value, as it skips Jackson's name for it (OTLP/JSON ignores unknown
   * fields).
   */
  static final String[] NAMES = {
    "resourceSpans", "resource_spans", "resource", "scopeSpans", "scope_spans", "schemaUrl", "schema_url",
    "attributes", "droppedAttributesCount", "dropped_attributes_count", "scope", "spans", "name", "version",
    "traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id", "traceState", "trace_state",
    "flags", "kind", "startTimeUnixNano", "start_time_unix_nano", "endTimeUnixNano", "end_time_unix_nano",
    "events", "droppedEventsCount", "dropped_events_count", "links", "droppedLinksCount", "dropped_links_count",
    "status", "timeUnixNano", "time_unix_nano", "message", "code", "key", "value", "stringValue", "string_value",
    "boolValue", "bool_value", "intValue", "int_value", "doubleValue", "double_value", "bytesValue", "bytes_value",
    "arrayValue", "array_value", "kvlistValue", "kvlist_value", "values",
  };

  /** The longest plain text, far below Jackson's limit of 20 M characters: a longer one is read by Jackson. */
  static final int MAX_TEXT = 1 << 20;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final byte[] LONG_MAX = Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.US_ASCII);

  /** Each byte's value as a hex digit, or -1. */
  private static final byte[] HEX = new byte[256];

  static {
    Arrays.fill(HEX, (byte) -1);
    for (int c = '0'; c <= '9'; c++) HEX[c] = (byte) (c - '0');
    for (int c = 'a'; c <= 'f'; c++) HEX[c] = (byte) (c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; c++) HEX[c] = (byte) (c - 'A' + 10);
  }

  private static final int TABLE = 256;
  /** Open addressing by {@link #hash}: the index in {@link #NAMES}, or -1. */
  private static final int[] TABLE_INDEX = new int[TABLE];
  private static final byte[][] NAME_BYTES = new byte[NAMES.length][];
  // A name's bytes as little-endian longs: the first eight (masked to the name when shorter), the
  // next eight and the last eight, which overlap; no name is longer than 24 bytes.
  private static final long[] HEAD = new long[NAMES.length];
  private static final long[] MID = new long[NAMES.length];
  private static final long[] TAIL = new long[NAMES.length];
  private static final long[] HEAD_MASK = new long[NAMES.length];

  static {
    Arrays.fill(TABLE_INDEX, -1);
    for (int k = 0; k < NAMES.length; k++) {
      byte[] b = NAMES[k].getBytes(StandardCharsets.US_ASCII);
      if (b.length > 24) throw new AssertionError(NAMES[k]);
      NAME_BYTES[k] = b;
      byte[] padded = Arrays.copyOf(b, 24);
      HEAD_MASK[k] = b.length >= 8 ? -1L : (1L << 8 * b.length) - 1;
      HEAD[k] = (long) LONGS.get(padded, 0) & HEAD_MASK[k];
      MID[k] = (long) LONGS.get(padded, 8);
      TAIL[k] = b.length >= 8 ? (long) LONGS.get(b, b.length - 8) : 0;
      int h = hash(b, 0, b.length);
      while (TABLE_INDEX[h] >= 0) h = (h + 1) & (TABLE - 1);
      TABLE_INDEX[h] = k;
    }
  }

  // What next() expects.
  private static final int VALUE = 0;
  private static final int OBJECT_START = 1;
  private static final int ARRAY_START = 2;
  private static final int AFTER_VALUE = 3;

  private final Unusual unusual = new Unusual();
  private byte[] buf;
  private int limit;
  private int pos;
  private int state;
  private int depth;
  /** Bit d: the container at depth d + 1 is an object. */
  private long objects;
  private JsonToken token;
  private String name;
  /** The current token's first byte; for a string, its opening quote. */
  private int start;
  /** Just past the current token; for a string, its closing quote. */
  private int end;
  /**
   * For each name (and for the start of the body, last), twice: the name that followed it last
   * time, without an object opened between them, and with one.
   */
  private final int[] successor = new int[(NAMES.length + 1) * 2];
  private int lastName;
  /** Whether an object was opened since the last name. */
  private boolean opened;
  /** Whether the current string's text holds escapes. */
  private boolean escaped;

  /** Starts reading {@code body[0, length)}. */
  void start(byte[] body, int length) {
    buf = body;
    limit = length;
    pos = 0;
    state = VALUE;
    depth = 0;
    objects = 0;
    token = null;
    name = null;
    lastName = NAMES.length;
    opened = false;
  }

  /** Lets go of the body. */
  void release() {
    buf = null;
  }

  @Override
  JsonToken next() {
    int i = whiteSpace(pos);
    switch (state) {
      case AFTER_VALUE -> {
        if (depth == 0) {
          if (i < limit) throw unusual;
          pos = i;
          return token = null;
        }
        if (i >= limit) throw unusual;
        byte b = buf[i];
        boolean inObject = (objects >>> (depth - 1) & 1) != 0;
        if (b == ',') return inObject ? fieldName(whiteSpace(i + 1)) : value(whiteSpace(i + 1));
        if (b == (inObject ? '}' : ']')) return close(i, inObject);
        throw unusual;
      }
      case OBJECT_START -> {
        if (i < limit && buf[i] == '}') return close(i, true);
        return fieldName(i);
      }
      case ARRAY_START -> {
        if (i < limit && buf[i] == ']') return close(i, false);
        return value(i);
      }
      default -> {
        return value(i);
      }
    }
  }

  private int whiteSpace(int i) {
    // The SDKs write none: one look at the next byte is the common case.
    if (i < limit && buf[i] > ' ') return i;
    while (i < limit) {
      byte b = buf[i];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') break;
      i++;
    }
    return i;
  }

  private JsonToken close(int i, boolean object) {
    depth--;
    start = i;
    end = pos = i + 1;
    state = AFTER_VALUE;
    return token = object ? JsonToken.END_OBJECT : JsonToken.END_ARRAY;
  }

  private JsonToken fieldName(int i) {
    if (i >= limit || buf[i] != '"') throw unusual;
    // The SDKs write an object's fields in one order: the name that followed the last name last
    // time (the same way: into a new object or not) is compared first, with no scan and no lookup.
    int from = i + 1;
    int slot = lastName << 1 | (opened ? 1 : 0);
    int k = successor[slot];
    int close;
    if (spells(k, from)) {
      close = from + NAME_BYTES[k].length;
    } else {
      close = stringEnd(from);
      if (escaped) throw unusual;
      k = known(from, close);
      if (k >= 0) successor[slot] = k;
    }
    lastName = k >= 0 ? k : NAMES.length;
    opened = false;
    name = k >= 0 ? NAMES[k] : OTHER;
    int colon = whiteSpace(close + 1);
    if (colon >= limit || buf[colon] != ':') throw unusual;
    pos = colon + 1;
    state = VALUE;
    return token = JsonToken.FIELD_NAME;
  }

  /** Whether the body at {@code from} holds name {@code k} and its closing quote. */
  private boolean spells(int k, int from) {
    int n = NAME_BYTES[k].length;
    if (from + n >= limit || from + 8 > limit || buf[from + n] != '"') return false;
    long head = (long) LONGS.get(buf, from);
    if (n < 8) return (head & HEAD_MASK[k]) == HEAD[k];
    return head == HEAD[k] && (long) LONGS.get(buf, from + n - 8) == TAIL[k]
        && (n <= 16 || (long) LONGS.get(buf, from + 8) == MID[k]);
  }

  /**
   * Where the string whose text starts at {@code i} closes; {@link #escaped} says whether its text
   * holds escapes. Its bytes must be well-formed UTF-8 (Jackson decides about any other).
   */
  private int stringEnd(int i) {
    byte[] b = buf;
    // Jackson limits a text's length (StreamReadConstraints); plain texts stay well below it.
    int n = Math.min(limit, i + MAX_TEXT);
    // Eight bytes at a time while none of them is a quote, a backslash, a control or a non-ASCII byte.
    for (long x; i + 8 <= n && !special(x = (long) LONGS.get(b, i)); ) i += 8;
    for (; i < n; i++) {
      byte c = b[i];
      if (c == '"') {
        escaped = false;
        return i;
      }
      // Below 0x20 as a signed byte: a control character or any byte of a non-ASCII one.
      if (c < 0x20 || c == '\\') return stringEnd(i, n);
    }
    throw unusual;
  }

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /**
   * Whether any of the eight bytes is a quote, a backslash, below 0x20 or above 0x7F: the zero-byte
   * test ({@code (v - ONES) & ~v & HIGHS}, exact for the lowest match, which is all the byte loop
   * after it needs) on {@code x} xor each special byte, and on {@code x} less 0x20 per byte.
   */
  private static boolean special(long x) {
    long quote = x ^ 0x2222222222222222L;
    long backslash = x ^ 0x5C5C5C5C5C5C5C5CL;
    long found = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((x - 0x2020202020202020L) & ~x) | x;
    return (found & HIGHS) != 0;
  }

  /** {@link #stringEnd(int)} from the first escape or non-ASCII byte on. */
  private int stringEnd(int i, int n) {
    byte[] b = buf;
    boolean escapes = false;
    while (i < n) {
      byte c = b[i];
      if (c == '"') {
        escaped = escapes;
        return i;
      }
      if (c == '\\') {
        escapes = true;
        if (i + 1 >= n) throw unusual;
        switch (b[i + 1]) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> i += 2;
          case 'u' -> {
            if (i + 5 >= n) throw unusual;
            int v = hex4(i + 2);
            // A surrogate in an escape (paired or not) is Jackson's to read.
            if (v >= 0xD800 && v <= 0xDFFF) throw unusual;
            i += 6;
          }
          default -> throw unusual;
        }
      } else if (c >= 0x20) {
        i++;
      } else if (c >= 0) {
        throw unusual;
      } else {
        i = Utf8.sequenceEnd(b, i, n);
        if (i < 0) throw unusual;
      }
    }
    throw unusual;
  }

  private JsonToken value(int i) {
    if (i >= limit) throw unusual;
    start = i;
    state = AFTER_VALUE;
    byte b = buf[i];
    switch (b) {
      case '"' -> {
        end = stringEnd(i + 1);
        pos = end + 1;
        return token = JsonToken.VALUE_STRING;
      }
      case '{', '[' -> {
        if (depth == MAX_DEPTH) throw unusual;
        boolean object = b == '{';
        opened |= object;
        objects = object ? objects | 1L << depth : objects & ~(1L << depth);
        depth++;
        end = pos = i + 1;
        state = object ? OBJECT_START : ARRAY_START;
        return token = object ? JsonToken.START_OBJECT : JsonToken.START_ARRAY;
      }
      case 't' -> {
        return literal(i, "true", JsonToken.VALUE_TRUE);
      }
      case 'f' -> {
        return literal(i, "false", JsonToken.VALUE_FALSE);
      }
      case 'n' -> {
        return literal(i, "null", JsonToken.VALUE_NULL);
      }
      default -> {
        return number(i);
      }
    }
  }

  private JsonToken literal(int i, String word, JsonToken t) {
    int n = word.length();
    if (limit - i < n) throw unusual;
    for (int k = 1; k < n; k++) {
      if (buf[i + k] != word.charAt(k)) throw unusual;
    }
    end = pos = i + n;
    return token = t;
  }

  /** A JSON number (RFC 8259 grammar); whatever follows is checked by the next token. */
  private JsonToken number(int i) {
    int at = i;
    if (buf[at] == '-') at++;
    if (at >= limit) throw unusual;
    if (buf[at] == '0') {
      at++;
    } else if (buf[at] >= '1' && buf[at] <= '9') {
      at = digits(at);
    } else {
      throw unusual;
    }
    boolean fraction = false;
    if (at < limit && buf[at] == '.') {
      fraction = true;
      int from = at + 1;
      at = digits(from);
      if (at == from) throw unusual;
    }
    if (at < limit && (buf[at] == 'e' || buf[at] == 'E')) {
      fraction = true;
      at++;
      if (at < limit && (buf[at] == '+' || buf[at] == '-')) at++;
      int from = at;
      at = digits(from);
      if (at == from) throw unusual;
    }
    end = pos = at;
    return token = fraction ? JsonToken.VALUE_NUMBER_FLOAT : JsonToken.VALUE_NUMBER_INT;
  }

  private int digits(int i) {
    while (i < limit && buf[i] >= '0' && buf[i] <= '9') i++;
    return i;
  }

  private static int hash(byte[] b, int from, int to) {
    int n = to - from;
    return n == 0 ? 0 : (n * 31 + b[from] * 7 + b[to - 1] * 3 + b[from + n / 2]) & (TABLE - 1);
  }

  /** The index of the known name {@code buf[from, to)} spells, or -1. */
  private int known(int from, int to) {
    for (int h = hash(buf, from, to), k; (k = TABLE_INDEX[h]) >= 0; h = (h + 1) & (TABLE - 1)) {
      if (Arrays.equals(buf, from, to, NAME_BYTES[k], 0, NAME_BYTES[k].length)) return k;
    }
    return -1;
  }

  @Override
  JsonToken current() {
    return token;
  }

  @Override
  String name() {
    return name;
  }

  @Override
  void skip() {
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) return;
    for (int d = depth - 1; depth > d; ) next();
  }

  @Override
  void expect(JsonToken wanted) {
    if (token != wanted) throw unusual;
  }

  @Override
  void text() {
    if (token != JsonToken.VALUE_STRING && token != JsonToken.VALUE_NULL) throw unusual;
  }

  @Override
  void skipText() {
    text();
  }

  @Override
  boolean plainText() {
    text();
    boolean string = token == JsonToken.VALUE_STRING;
    refStart = string ? start + 1 : 0;
    refLength = string ? end - start - 1 : 0;
    return !string || !escaped;
  }

  @Override
  String decodedText() {
    StringBuilder out = new StringBuilder(end - start);
    int run = start + 1;
    for (int i = run; i < end; i++) {
      if (buf[i] != '\\') continue;
      out.append(new String(buf, run, i - run, StandardCharsets.UTF_8));
      byte e = buf[i + 1];
      switch (e) {
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          out.append((char) hex4(i + 2));
          i += 4;
        }
        default -> out.append((char) e);
      }
      i++;
      run = i + 1;
    }
    return out.append(new String(buf, run, end - run, StandardCharsets.UTF_8)).toString();
  }

  /** Digits as a number or in a string (how OTLP/JSON writes 64-bit integers), or null. */
  @Override
  long integer() {
    if (token == JsonToken.VALUE_STRING) {
      int from = start + 1;
      int n = end - from;
      // Digits only, so no escape; up to 19 digits is below 2^64: the wrapped signed value is parseUnsignedLong's.
      if (n == 0 || n > 19) throw unusual;
      return decimal(from, end);
    }
    if (token == JsonToken.VALUE_NUMBER_INT) return signedInteger(19);
    if (token == JsonToken.VALUE_NULL) return 0;
    throw unusual;
  }

  /** The current integer token: at most {@code maxDigits} digits, and within a long. */
  private long signedInteger(int maxDigits) {
    boolean negative = buf[start] == '-';
    int from = negative ? start + 1 : start;
    int n = end - from;
    if (n > maxDigits) throw unusual;
    // 19 digits may pass Long.MAX_VALUE (Jackson refuses those, or reads them as a BigInteger).
    if (n == 19 && Arrays.compare(buf, from, end, LONG_MAX, 0, 19) > 0) throw unusual;
    long v = decimal(from, end);
    return negative ? -v : v;
  }

  /** The decimal digits {@code buf[from, to)}; unusual if any is not a digit. */
  private long decimal(int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) throw unusual;
      v = v * 10 + d;
    }
    return v;
  }

  @Override
  int enumValue(String prefix, OtlpJsonDecoder.EnumByName byName) {
    if (token != JsonToken.VALUE_NUMBER_INT) throw unusual;
    return (int) signedInteger(9);
  }

  @Override
  boolean bool() {
    if (token == JsonToken.VALUE_TRUE) return true;
    if (token == JsonToken.VALUE_FALSE) return false;
    throw unusual;
  }

  /** As Jackson gives it: an integer token through a long (so "-0" is 0.0), a fraction as {@link Double#parseDouble}. */
  @Override
  double dbl() {
    if (token == JsonToken.VALUE_NUMBER_INT) return signedInteger(19);
    if (token != JsonToken.VALUE_NUMBER_FLOAT || end - start > 64) throw unusual;
    return Double.parseDouble(new String(buf, start, end - start, StandardCharsets.US_ASCII));
  }

  @Override
  void base64() {
    throw unusual;
  }

  @Override
  int hexId(int bytes) {
    if (token == JsonToken.VALUE_NULL) return 0;
    if (token != JsonToken.VALUE_STRING || escaped) throw unusual;
    int from = start + 1;
    int n = end - from;
    if (n == 0) return 0;
    if (n != bytes * 2) throw unusual;
    long high = 0;
    long low = 0;
    for (int i = 0; i < n; i++) {
      int d = hexDigit(buf[from + i]);
      if (i < 16) high = high << 4 | d;
      else low = low << 4 | d;
    }
    idHigh = high;
    idLow = low;
    return bytes;
  }

  /** The four hex digits of a backslash-u escape, from {@code at} on. */
  private int hex4(int at) {
    return hexDigit(buf[at]) << 12 | hexDigit(buf[at + 1]) << 8 | hexDigit(buf[at + 2]) << 4 | hexDigit(buf[at + 3]);
  }

  private int hexDigit(byte c) {
    int d = HEX[c & 0xFF];
    if (d < 0) throw unusual;
    return d;
  }

  @Override
  int offset() {
    return start;
  }
}

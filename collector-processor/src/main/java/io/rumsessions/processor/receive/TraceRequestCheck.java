package io.rumsessions.processor.receive;

import static io.rumsessions.processor.receive.ProtoReader.LENGTH_DELIMITED;
import static io.rumsessions.processor.receive.ProtoReader.MAX_DEPTH;

/**
 * Checks an {@code ExportTraceServiceRequest} in protobuf bytes the way protobuf-java's parser
 * would: framing, nesting depth, and UTF-8 in every string field of every message it knows. A
 * field of a known number but an unexpected wire type is an unknown field to protobuf-java,
 * skipped, and so it is here. {@link OtlpWireSpans} reads the fields the pipeline needs itself and
 * hands every other field here, so that one pass both checks and reads the request.
 */
final class TraceRequestCheck {
  private static final int OTHER = -1;
  private static final int STRING = -2;

  static final int REQUEST = 0;
  static final int RESOURCE_SPANS = 1;
  static final int RESOURCE = 2;
  static final int SCOPE_SPANS = 3;
  static final int SCOPE = 4;
  static final int SPAN = 5;
  static final int EVENT = 6;
  static final int LINK = 7;
  static final int STATUS = 8;
  static final int KEY_VALUE = 9;
  static final int ANY_VALUE = 10;
  static final int ARRAY_VALUE = 11;
  static final int KEY_VALUE_LIST = 12;
  static final int ENTITY_REF = 13;

  private static final int TYPES = 14;
  /** Field numbers {@link #KINDS} has a column for; every message here numbers its fields below it. */
  private static final int FIELDS = 16;
  /**
   * {@link #declared} as a table, {@code [type * FIELDS + n]}: the check asks once per field of the
   * request, and a table is one load where the switches were two jumps.
   */
  private static final byte[] KINDS = new byte[TYPES * FIELDS];

  static {
    for (int type = 0; type < TYPES; type++) {
      for (int n = 0; n < FIELDS; n++) KINDS[type * FIELDS + n] = (byte) declared(type, n);
    }
  }

  /** The messages being read, outermost first: a loop with its own stack instead of a call per message. */
  private final int[] ends = new int[MAX_DEPTH];
  private final byte[] types = new byte[MAX_DEPTH];
  /** Where the message {@link #enter} entered ends. */
  private int messageEnd;

  /**
   * Checks a field of a message of {@code type} whose tag {@code r} has just read, the message
   * nested {@code level} deep (the request is 0) and ending at {@code end}; leaves {@code r} after
   * the field. A reader that records some fields itself hands the others here.
   */
  void field(ProtoReader r, int tag, int end, int type, int level) {
    int kind = enter(r, tag, end, type, level);
    if (kind != OTHER) message(r, messageEnd, kind, level + 1);
  }

  /** Checks the message of {@code type} from {@code r.pos} to {@code end}, nested {@code level} deep. */
  private void message(ProtoReader r, int end, int type, int level) {
    int depth = level;
    while (true) {
      if (r.pos >= end) {
        if (depth == level) return;
        depth--;
        end = ends[depth];
        type = types[depth];
        continue;
      }
      int kind = enter(r, r.tag(end), end, type, depth);
      if (kind == OTHER) continue;
      ends[depth] = end;
      types[depth] = (byte) type;
      depth++;
      end = messageEnd;
      type = kind;
    }
  }

  /**
   * Checks a field whose tag was just read, unless it holds a message: then returns the message's
   * type, with {@code r} at its start and {@link #messageEnd} at its end; else OTHER, with {@code r}
   * after the field.
   */
  private int enter(ProtoReader r, int tag, int end, int type, int level) {
    int kind = kind(tag, type);
    if (kind == OTHER) {
      r.skip(tag, end, level);
      return OTHER;
    }
    int fieldEnd = r.delimited(end);
    if (kind == STRING) {
      r.checkUtf8(r.pos, fieldEnd);
      r.pos = fieldEnd;
      return OTHER;
    }
    if (level >= MAX_DEPTH) throw new ProtoReader.Malformed("messages nested deeper than " + MAX_DEPTH + " at byte " + r.pos);
    messageEnd = fieldEnd;
    return kind;
  }

  /** What the field with this tag in a message of {@code type} holds: a message type, STRING, or OTHER. */
  private static int kind(int tag, int type) {
    int n = tag >>> 3;
    return (tag & 7) != LENGTH_DELIMITED ? OTHER : n < FIELDS ? KINDS[type * FIELDS + n] : declared(type, n);
  }

  /** What a length-delimited field {@code n} of message {@code type} holds: a message type, STRING, or OTHER (bytes, unknown). */
  private static int declared(int type, int n) {
    return switch (type) {
      case REQUEST -> n == 1 ? RESOURCE_SPANS : OTHER;
      case RESOURCE_SPANS -> n == 1 ? RESOURCE : n == 2 ? SCOPE_SPANS : n == 3 ? STRING : OTHER;
      case RESOURCE -> n == 1 ? KEY_VALUE : n == 3 ? ENTITY_REF : OTHER;
      case SCOPE_SPANS -> n == 1 ? SCOPE : n == 2 ? SPAN : n == 3 ? STRING : OTHER;
      case SCOPE -> n == 1 || n == 2 ? STRING : n == 3 ? KEY_VALUE : OTHER;
      case SPAN -> switch (n) {
        case 3, 5 -> STRING;
        case 9 -> KEY_VALUE;
        case 11 -> EVENT;
        case 13 -> LINK;
        case 15 -> STATUS;
        default -> OTHER;
      };
      case EVENT -> n == 2 ? STRING : n == 3 ? KEY_VALUE : OTHER;
      case LINK -> n == 3 ? STRING : n == 4 ? KEY_VALUE : OTHER;
      case STATUS -> n == 2 ? STRING : OTHER;
      case KEY_VALUE -> n == 1 ? STRING : n == 2 ? ANY_VALUE : OTHER;
      case ANY_VALUE -> n == 1 ? STRING : n == 5 ? ARRAY_VALUE : n == 6 ? KEY_VALUE_LIST : OTHER;
      case ARRAY_VALUE -> n == 1 ? ANY_VALUE : OTHER;
      case KEY_VALUE_LIST -> n == 1 ? KEY_VALUE : OTHER;
      case ENTITY_REF -> n >= 1 && n <= 4 ? STRING : OTHER;
      default -> OTHER;
    };
  }
}

package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.base.ParserBase;
import java.io.IOException;

/**
 * Jackson's streaming parser as {@link JsonTokens}: any JSON it reads (escapes, any Unicode, the
 * decoder's leniencies), refused with {@link OtlpJsonDecoder}'s own checks and messages. Scalars
 * are read without a String where the decoder would make one.
 */
final class JacksonTokens extends JsonTokens {
  private final JsonParser p;
  private final byte[] buf;
  private final int limit;

  /** Over a UTF-8 byte parser of {@code buf[0, limit)}, so that its offsets are byte offsets. */
  JacksonTokens(JsonParser p, byte[] buf, int limit) {
    this.p = p;
    this.buf = buf;
    this.limit = limit;
  }

  @Override
  JsonToken next() throws IOException {
    return p.nextToken();
  }

  @Override
  JsonToken current() {
    return p.currentToken();
  }

  @Override
  String name() throws IOException {
    return p.currentName();
  }

  @Override
  void skip() throws IOException {
    p.skipChildren();
  }

  @Override
  void expect(JsonToken wanted) throws MalformedPayloadException {
    OtlpJsonDecoder.expect(p, p.currentToken(), wanted);
  }

  @Override
  void text() throws IOException, MalformedPayloadException {
    OtlpJsonDecoder.text(p);
  }

  @Override
  void skipText() throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) OtlpJsonDecoder.text(p);
  }

  @Override
  boolean plainText() throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      refStart = 0;
      refLength = 0;
      return true;
    }
    if (t != JsonToken.VALUE_STRING) OtlpJsonDecoder.text(p);
    int q = offset();
    if (q >= 0 && q < limit && buf[q] == '"') {
      for (int i = q + 1; i < limit; i++) {
        byte b = buf[i];
        if (b == '"') {
          refStart = q + 1;
          refLength = i - q - 1;
          return true;
        }
        if (b == '\\' || b < 0x20) break;
      }
    }
    return false;
  }

  @Override
  String decodedText() throws IOException {
    return p.getText();
  }

  /** Decimal digits in a string are read without making one; the rest as the decoder reads it. */
  @Override
  long integer() throws IOException, MalformedPayloadException {
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      char[] c = p.getTextCharacters();
      int off = p.getTextOffset();
      int len = p.getTextLength();
      if (len > 0 && len <= 19) {
        // Up to 19 digits is below 2^64: the wrapped signed value is parseUnsignedLong's.
        long v = 0;
        int i = off;
        for (int end = off + len; i < end; i++) {
          char ch = c[i];
          if (ch < '0' || ch > '9') break;
          v = v * 10 + (ch - '0');
        }
        if (i == off + len) return v;
      }
    }
    return OtlpJsonDecoder.integer(p);
  }

  @Override
  int enumValue(String prefix, OtlpJsonDecoder.EnumByName byName) throws IOException, MalformedPayloadException {
    return OtlpJsonDecoder.enumValue(p, prefix, byName);
  }

  @Override
  boolean bool() throws MalformedPayloadException {
    return OtlpJsonDecoder.bool(p);
  }

  @Override
  double dbl() throws IOException, MalformedPayloadException {
    return OtlpJsonDecoder.dbl(p);
  }

  @Override
  void base64() throws IOException, MalformedPayloadException {
    OtlpJsonDecoder.base64(p);
  }

  @Override
  int hexId(int bytes) throws IOException, MalformedPayloadException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) return 0;
    if (t == JsonToken.VALUE_STRING) {
      char[] c = p.getTextCharacters();
      int off = p.getTextOffset();
      int len = p.getTextLength();
      if (len == 0) return 0;
      if (len == bytes * 2) {
        long high = 0;
        long low = 0;
        for (int i = 0; i < len; i++) {
          int d = Character.digit(c[off + i], 16);
          if (d < 0) return OtlpJsonDecoder.hexId(p, bytes).size();
          if (i < 16) high = high << 4 | d;
          else low = low << 4 | d;
        }
        idHigh = high;
        idLow = low;
        return bytes;
      }
    }
    // Refused: the decoder's own check says why, in its words.
    return OtlpJsonDecoder.hexId(p, bytes).size();
  }

  /**
   * What {@code getTokenCharacterOffset()} says, without the location object: Jackson's byte
   * parser keeps the offset just past the token's first byte.
   */
  @Override
  int offset() {
    return (int) (((ParserBase) p).getTokenCharacterOffset() - 1);
  }
}

package io.rumsessions.processor.receive;

/** Well-formed UTF-8 (RFC 3629: no overlong form, no surrogate, nothing past U+10FFFF), as protobuf-java and the JSON readers require it. */
final class Utf8 {
  private Utf8() {}

  /**
   * Where the multi-byte sequence whose first byte is at {@code i} ends (the index after it), or
   * -1 if {@code buf[i, to)} does not start with a well-formed one.
   */
  static int sequenceEnd(byte[] buf, int i, int to) {
    int b = buf[i] & 0xff;
    int need;
    int lo = 0x80;
    int hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lo = 0xa0;
      if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lo = 0x90;
      if (b == 0xf4) hi = 0x8f;
    } else {
      return -1;
    }
    if (to - i <= need) return -1;
    for (int k = 1; k <= need; k++) {
      int c = buf[i + k] & 0xff;
      if (c < lo || c > hi) return -1;
      lo = 0x80;
      hi = 0xbf;
    }
    return i + need + 1;
  }
}

package io.rumsessions.processor.receive;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The texts of one request's body, each distinct one decoded once: a request's spans repeat their
 * names and many values (a visit's URL and session id). Direct-mapped by a hash of a few bytes;
 * offsets point into the body, so {@link #clear} before the next request.
 */
final class RequestTexts {
  private static final int SLOTS = 64;

  private final int[] start = new int[SLOTS];
  private final int[] length = new int[SLOTS];
  private final String[] texts = new String[SLOTS];

  /** The UTF-8 text at {@code buf[from, from + len)}. */
  String text(byte[] buf, int from, int len) {
    if (len == 0) return "";
    int end = from + len;
    int h = len * 0x9E3779B1 + buf[end - 1] * 31 + buf[from + len / 2] * 961 + buf[Math.max(from, end - 8)];
    int slot = (h ^ h >>> 16) & (SLOTS - 1);
    String t = texts[slot];
    int s = start[slot];
    if (t != null && length[slot] == len && Arrays.equals(buf, s, s + len, buf, from, end)) return t;
    t = new String(buf, from, len, StandardCharsets.UTF_8);
    texts[slot] = t;
    start[slot] = from;
    length[slot] = len;
    return t;
  }

  void clear() {
    Arrays.fill(texts, null);
  }
}

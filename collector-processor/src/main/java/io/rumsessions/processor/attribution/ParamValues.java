package io.rumsessions.processor.attribution;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Normalises campaign parameter values so one campaign is one label value: percent-decoding
 * (UTF-8; up to two more passes for double-encoded values; a bad escape such as {@code %zz} is
 * kept as text), {@code +} as a space, white space trimmed and collapsed to one space, control
 * and format characters dropped, lower case, Unicode NFC, at most {@value #MAX_LENGTH}
 * characters. An empty result is "missing" (null).
 */
public final class ParamValues {
  /** Longest value kept; longer values are cut. */
  public static final int MAX_LENGTH = 100;
  private static final int EXTRA_DECODE_PASSES = 2;

  private ParamValues() {}

  /** Normalises an already decoded value (from the CLI or the registry); null when empty. */
  public static String normalize(String value) {
    if (value == null) return null;
    return clean(value);
  }

  /** Decodes and normalises the raw query-string text {@code s[from, to)}; null when empty. */
  static String decode(String s, int from, int to) {
    if (from >= to) return null;
    if (to - from <= MAX_LENGTH && isPlain(s, from, to)) return s.substring(from, to);
    String d = percentDecode(s, from, to, true);
    for (int pass = 0; pass < EXTRA_DECODE_PASSES && hasEscape(d); pass++) {
      d = percentDecode(d, 0, d.length(), false);
    }
    return clean(d);
  }

  /** Decodes a parameter name (only when it holds escapes); not lower-cased. */
  static String decodeName(String s, int from, int to) {
    return percentDecode(s, from, to, true).trim();
  }

  /** True when the raw text has a {@code %} not followed by two hex digits. */
  static boolean hasBadEscape(String s) {
    for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
      if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) return true;
    }
    return false;
  }

  /** True when the text holds a valid {@code %XX} escape. */
  static boolean hasEscape(String s) {
    for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
      if (i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) return true;
    }
    return false;
  }

  /** Lower-case letters, digits, '-', '_' and '.': already normal, no copy needed. */
  private static boolean isPlain(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
  }

  static String percentDecode(String s, int from, int to, boolean plusIsSpace) {
    StringBuilder out = new StringBuilder(to - from);
    byte[] bytes = null;
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < to) {
        int hi = hex(s.charAt(i + 1));
        int lo = hex(s.charAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          if (bytes == null) bytes = new byte[(to - i) / 3 + 1];
          bytes[n++] = (byte) ((hi << 4) | lo);
          i += 2;
          continue;
        }
      }
      if (n > 0) {
        out.append(new String(bytes, 0, n, StandardCharsets.UTF_8));
        n = 0;
      }
      out.append(plusIsSpace && c == '+' ? ' ' : c);
    }
    if (n > 0) out.append(new String(bytes, 0, n, StandardCharsets.UTF_8));
    return out.toString();
  }

  private static String clean(String d) {
    StringBuilder out = new StringBuilder(Math.min(d.length(), MAX_LENGTH + 1));
    boolean space = false;
    boolean ascii = true;
    for (int i = 0; i < d.length(); ) {
      int cp = d.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        space = out.length() > 0;
        continue;
      }
      int type = Character.getType(cp);
      if (type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED || type == Character.SURROGATE) continue;
      if (space) {
        out.append(' ');
        space = false;
      }
      if (cp > 127) ascii = false;
      out.appendCodePoint(Character.toLowerCase(cp));
      if (out.length() > MAX_LENGTH * 2) break;
    }
    String v = out.toString();
    if (!ascii && !Normalizer.isNormalized(v, Normalizer.Form.NFC)) v = Normalizer.normalize(v, Normalizer.Form.NFC);
    if (v.length() > MAX_LENGTH) {
      int end = MAX_LENGTH;
      if (Character.isHighSurrogate(v.charAt(end - 1))) end--;
      v = v.substring(0, end).trim();
    }
    return v.isEmpty() ? null : v;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
}

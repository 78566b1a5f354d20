package io.rumsessions.extension.request;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.util.List;

/**
 * Finds one cookie in captured {@code Cookie} request header values ({@code a=1; b=2}), without
 * regular expressions or a map: the extension looks for at most three names per request.
 */
public final class Cookies {

  private Cookies() {}

  /**
   * The value of the first cookie called {@code name} (case-sensitive, surrounding double quotes
   * removed), or null when absent or {@code name} is empty.
   */
  public static String find(List<String> headerValues, String name) {
    if (headerValues == null || name == null || name.isEmpty()) {
      return null;
    }
    for (String header : headerValues) {
      String v = find(header, name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** Same as {@link #find(List, String)} for one header value. */
  public static String find(String header, String name) {
    if (header == null) {
      return null;
    }
    int n = header.length();
    int i = 0;
    while (i < n) {
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = n;
      }
      int eq = header.indexOf('=', i);
      if (eq > i && eq < end) {
        int ks = skipSpaces(header, i, eq);
        int ke = trimEnd(header, ks, eq);
        if (ke - ks == name.length() && header.regionMatches(ks, name, 0, name.length())) {
          int vs = skipSpaces(header, eq + 1, end);
          int ve = trimEnd(header, vs, end);
          if (ve - vs >= 2 && header.charAt(vs) == '"' && header.charAt(ve - 1) == '"') {
            vs++;
            ve--;
          }
          return header.substring(vs, ve);
        }
      }
      i = end + 1;
    }
    return null;
  }

  /** URL-decodes a cookie value (UTF-8); returns it unchanged if it is not valid encoding. */
  public static String urlDecode(String value) {
    if (value == null || (value.indexOf('%') < 0 && value.indexOf('+') < 0)) {
      return value;
    }
    try {
      return URLDecoder.decode(value, "UTF-8");
    } catch (IllegalArgumentException | UnsupportedEncodingException e) {
      return value;
    }
  }

  private static int skipSpaces(String s, int from, int to) {
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    return from;
  }

  private static int trimEnd(String s, int from, int to) {
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return to;
  }
}

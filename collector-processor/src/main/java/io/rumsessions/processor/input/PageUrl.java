package io.rumsessions.processor.input;

/**
 * The parts of a page URL the session engine keeps: host (for the cookie-free id) and path
 * (landing and exit page). The query string is never kept: it may hold personal data, and
 * campaign parameters are read separately. Hand-written because java.net.URI allocates and
 * throws on the malformed URLs browsers do send.
 */
public final class PageUrl {
  static final int MAX_PATH = 256;

  private PageUrl() {}

  /** The host without port or user info, lower-cased; empty when there is none. */
  public static String host(String url) {
    if (url == null) return "";
    int start = authorityStart(url);
    return start < 0 ? "" : authorityHost(url, start);
  }

  /**
   * The host of the authority that begins at {@code start} (just after {@code scheme://}, or
   * at a bare host): without user info, port or trailing dot, lower-cased; IPv6 literals keep
   * their brackets. Empty when there is none. The one host parser: attribution reads
   * referrer hosts with it too.
   */
  public static String authorityHost(String url, int start) {
    int end = start;
    while (end < url.length()) {
      char c = url.charAt(end);
      if (c == '/' || c == '?' || c == '#' || c == '\\' || c <= ' ') break;
      end++;
    }
    int at = url.lastIndexOf('@', end - 1);
    if (at >= start) start = at + 1;
    if (start >= end) return "";
    if (url.charAt(start) == '[') {
      int close = url.indexOf(']', start);
      return close > 0 && close < end ? url.substring(start, close + 1).toLowerCase(java.util.Locale.ROOT) : "";
    }
    int colon = url.indexOf(':', start);
    if (colon >= 0 && colon < end) end = colon;
    while (end > start && url.charAt(end - 1) == '.') end--;
    return lower(url, start, end);
  }

  /** A substring, lower-cased; no second copy when it already is (the usual case). */
  private static String lower(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z' || c > 127) return s.substring(from, to).toLowerCase(java.util.Locale.ROOT);
    }
    return s.substring(from, to);
  }

  /** The path without query or fragment, at most 256 characters; "/" for a bare origin. */
  public static String path(String url) {
    if (url == null || url.isEmpty()) return null;
    int start = authorityStart(url);
    int p;
    if (start < 0) {
      p = 0;
    } else {
      p = start;
      while (p < url.length() && url.charAt(p) != '/' && url.charAt(p) != '?' && url.charAt(p) != '#') p++;
    }
    int end = p;
    while (end < url.length() && url.charAt(end) != '?' && url.charAt(end) != '#') end++;
    if (end == p) return "/";
    if (end - p > MAX_PATH) end = p + MAX_PATH;
    return url.substring(p, end);
  }

  private static int authorityStart(String url) {
    int scheme = url.indexOf("://");
    if (scheme > 0 && scheme < 16) return scheme + 3;
    if (url.startsWith("//")) return 2;
    return -1;
  }
}

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
    if (start < 0) return "";
    int end = start;
    while (end < url.length()) {
      char c = url.charAt(end);
      if (c == '/' || c == '?' || c == '#') break;
      end++;
    }
    int at = url.lastIndexOf('@', end - 1);
    if (at >= start) start = at + 1;
    int colon = url.indexOf(':', start);
    if (url.startsWith("[", start)) {
      int close = url.indexOf(']', start);
      if (close > 0 && close < end) return url.substring(start, close + 1).toLowerCase(java.util.Locale.ROOT);
    }
    if (colon >= 0 && colon < end) end = colon;
    return url.substring(start, end).toLowerCase(java.util.Locale.ROOT);
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

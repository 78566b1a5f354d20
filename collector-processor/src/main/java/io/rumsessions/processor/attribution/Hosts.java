package io.rumsessions.processor.attribution;

import io.rumsessions.processor.input.PageUrl;

/** Host names out of referrers and landing URLs, tolerant of what browsers and producers send. */
final class Hosts {
  private Hosts() {}

  /**
   * The host of a URL, or of a bare host ("google.com", "google.com/path"); lower-case, without
   * user info, port or trailing dot. Empty when there is none. {@code android-app://com.x.y/}
   * yields the app id, as browsers report app referrers that way.
   */
  static String host(String url) {
    if (url == null) return "";
    int len = url.length();
    int start = 0;
    while (start < len && url.charAt(start) <= ' ') start++;
    int scheme = url.indexOf("://", start);
    if (scheme > start && scheme - start < 32 && isScheme(url, start, scheme)) {
      start = scheme + 3;
    } else if (url.startsWith("//", start)) {
      start += 2;
    } else if (hasSchemeWithoutSlashes(url, start)) {
      return ""; // mailto:, javascript:, data: ... carry no referring host
    }
    return PageUrl.authorityHost(url, start);
  }

  /**
   * The referring host, or empty when the referrer names none. A value without a scheme must
   * look like a domain (hold a dot): "not a url" or "(none)" is no referrer.
   */
  static String referrerHost(String referrer) {
    if (referrer == null || referrer.isEmpty()) return "";
    String h = host(referrer);
    if (h.isEmpty() || h.indexOf('.') >= 0 || h.indexOf(':') >= 0 || referrer.contains("//")) return h;
    return "";
  }

  /** The host without one leading {@code www.} (or {@code www2.} etc.) label. */
  static String stripWww(String host) {
    if (host.length() > 4 && host.startsWith("www")) {
      int dot = host.indexOf('.');
      boolean digits = true;
      for (int i = 3; i < dot; i++) {
        if (host.charAt(i) < '0' || host.charAt(i) > '9') digits = false;
      }
      if (dot > 0 && digits && dot < host.length() - 1) return host.substring(dot + 1);
    }
    return host;
  }

  /** Whether {@code host} is {@code domain} or a subdomain of it, on a label boundary. */
  static boolean isSameOrSubdomain(String host, String domain) {
    if (domain.isEmpty()) return false;
    if (host.equals(domain)) return true;
    int extra = host.length() - domain.length();
    return extra > 0 && host.endsWith(domain) && host.charAt(extra - 1) == '.';
  }

  /**
   * Same-site: equal hosts ignoring {@code www.}, or one a subdomain of the other
   * ({@code blog.example.com} and {@code example.com}). Sibling subdomains are different sites,
   * as in GA4 without a cross-domain setting; list such domains as same-site domains instead.
   */
  static boolean sameSite(String referrerHost, String siteHost) {
    if (referrerHost.isEmpty() || siteHost.isEmpty()) return false;
    String r = stripWww(referrerHost);
    String s = stripWww(siteHost);
    if (r.equals(s)) return true;
    if (isSameOrSubdomain(r, s)) return true;
    return r.indexOf('.') > 0 && isSameOrSubdomain(s, r);
  }

  private static boolean isScheme(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > from && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
      if (!ok) return false;
    }
    return true;
  }

  private static boolean hasSchemeWithoutSlashes(String s, int from) {
    int colon = s.indexOf(':', from);
    if (colon <= from || colon - from > 16 || !isScheme(s, from, colon)) return false;
    // "example.com:8080" has a dot before the colon and digits after it: a host with a port.
    for (int i = from; i < colon; i++) {
      if (s.charAt(i) == '.') return false;
    }
    return colon + 1 >= s.length() || !Character.isDigit(s.charAt(colon + 1));
  }
}

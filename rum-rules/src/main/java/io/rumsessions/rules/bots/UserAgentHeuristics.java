package io.rumsessions.rules.bots;

import io.rumsessions.rules.text.TokenSet;
import java.util.regex.Pattern;

/**
 * The user-agent rules that are ours rather than a vendored list: empty and absurd values,
 * generic crawler tokens, and the shape every browser user agent has. Each check returns a short
 * description of what fired (for {@link UserAgentClassifier#explain}) or null.
 *
 * <p>The rules follow the structure of browser user agents (a {@code Mozilla/x.y} product with a
 * platform comment, a rendering engine, then product tokens) and were checked against the corpora
 * described in {@code src/test/resources/corpus/README.md}. Token lists are matched in one
 * case-insensitive pass ({@link TokenSet}); regular expressions only run on short substrings.
 */
final class UserAgentHeuristics {

  /** Real browser user agents are under 300 characters; 1024 leaves room for in-app tokens. */
  static final int DEFAULT_MAX_LENGTH = 1024;

  private static final String[] PLACEHOLDERS = {
    "-", "null", "undefined", "unknown", "none", "n/a", "na", "empty", "(null)", "user-agent",
    "useragent", "mozilla", "mozilla/5.0", "mozilla/4.0"
  };

  /** Links and contacts: browsers never put one in their user agent, crawlers usually do. */
  private static final TokenSet LINK = TokenSet.of("http:", "https:", "www.", "mailto", "[at]");

  /** Top-level domains that mark "name.tld" in a user agent as a site address. */
  private static final TokenSet DOMAIN_SUFFIX =
      TokenSet.of(
          ".com\\b", ".net\\b", ".org\\b", ".io\\b", ".ru\\b", ".de\\b", ".fr\\b", ".info\\b",
          ".co\\b", ".me\\b", ".ai\\b", ".app\\b", ".dev\\b", ".cz\\b", ".pl\\b", ".jp\\b",
          ".cn\\b", ".uk\\b", ".nl\\b", ".edu\\b", ".gov\\b");

  /**
   * Words crawlers, monitors, scripts and HTTP libraries call themselves. "bot" needs a non-letter
   * after it ("Googlebot/", "AntBot)") and is not the phone brand "Cubot"; "java/" needs a digit.
   */
  private static final TokenSet CRAWLER_WORD =
      TokenSet.of(
          "bot\\b", "robot", "crawl", "spider", "scrap", "fetch", "monitor", "checker",
          "validator", "scanner", "uptime", "archiv", "indexer", "harvest", "extractor", "analyzer",
          "analyser", "probe", "inspect", "audit", "httpclient", "http-client", "http_client",
          "library", "sniffer", "curl", "wget", "python", "perl", "ruby", "php", "node.js", "axios",
          "okhttp", "go-http", "java/", "libwww", "urllib", "research", "transcoder", "snapshot",
          "cloudflare");

  private static final int BOT = 0;

  /** "compatible" outside Internet Explorer and Konqueror is how crawlers introduce themselves. */
  private static final Pattern COMPATIBLE_BROWSERS =
      Pattern.compile("MSIE \\d|Trident/|IEMobile|Konqueror");

  private static final TokenSet ENGINE =
      TokenSet.of("AppleWebKit", "Gecko", "Trident", "Presto", "KHTML", "Goanna", "Servo",
          "NetFront", "Opera", "MSIE");

  /** Operating systems and device classes a browser's platform comment names. */
  private static final TokenSet KNOWN_PLATFORM =
      TokenSet.of(
          "windows", "macintosh", "mac os", "x11", "linux", "android", "iphone", "ipad", "ipod",
          "cros", "mobile", "tablet", "blackberry", "bb10", "playbook", "kaios", "tizen", "web0s",
          "webos", "smarttv", "smart-tv", "playstation", "nintendo", "xbox", "freebsd", "openbsd",
          "netbsd", "sunos", "fuchsia", "haiku", "symbian", "series40", "series60", "series 40",
          "series 60", "meego", "sailfish", "bada", "brew", "palm", "hp-tablet", "kindle", "silk",
          "beos", "amiga", "os/2", "risc", "qnx", "vizio", "hbbtv", "roku", "crkey", "aft",
          "morphos", "j2me", "midp", "zune", "maemo", "ubuntu", "fedora", "unix", "hurd", "solaris",
          "aix", "irix", "hp-ux", "openvms", "inferno", "syllable", "gentoo", "debian",
          "compatible", "\\btv\\b", "\\bdtv\\b", "\\bps3\\b", "\\bps4\\b", "\\bps5\\b",
          "cloud phone");

  private static final String KHTML_EXTRA = "KHTML, like Gecko;";

  private UserAgentHeuristics() {}

  /** Null, blank, or a placeholder a proxy or SDK wrote instead of a user agent. */
  static boolean isEmpty(String ua) {
    if (ua == null) {
      return true;
    }
    int start = 0;
    int end = ua.length();
    while (start < end && ua.charAt(start) <= ' ') {
      start++;
    }
    while (end > start && ua.charAt(end - 1) <= ' ') {
      end--;
    }
    int length = end - start;
    if (length == 0) {
      return true;
    }
    if (length > 12) {
      return false;
    }
    for (String placeholder : PLACEHOLDERS) {
      if (placeholder.length() == length && ua.regionMatches(true, start, placeholder, 0, length)) {
        return true;
      }
    }
    return false;
  }

  /** Too long, control characters, or not a single ASCII letter. */
  static String invalid(String ua, int maxLength) {
    if (ua.length() > maxLength) {
      return "longer than " + maxLength + " characters";
    }
    boolean letter = false;
    for (int i = 0; i < ua.length(); i++) {
      char c = ua.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\uFFFD') {
        return "control character at index " + i;
      }
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        letter = true;
      }
    }
    return letter ? null : "no letters";
  }

  /**
   * Replaces the device model and build id in an Android platform comment with {@code "M"}, so
   * that model names ("CUBOT", "HTC Butterfly", "Ruby") and build ids shared by millions of phones
   * cannot look like crawler names. Returns the input itself when there is nothing to replace.
   */
  static String withoutDeviceModel(String ua) {
    int android = ua.indexOf("Android");
    if (android < 0) {
      return ua;
    }
    int open = platformCommentStart(ua);
    if (open < 0) {
      return ua;
    }
    int close = ua.indexOf(')', open);
    if (close < 0 || android < open || android > close) {
      return ua;
    }
    String[] segments = ua.substring(open, close).split(";", -1);
    StringBuilder out = new StringBuilder(ua.length());
    out.append(ua, 0, open);
    boolean afterVersion = false;
    boolean modelDone = false;
    boolean changed = false;
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      String trimmed = segment.trim();
      String replacement = segment;
      if (afterVersion) {
        boolean locale = !modelDone && isLocale(trimmed);
        if (!locale && !modelDone && !trimmed.isEmpty() && !trimmed.equals("wv")) {
          replacement = " M";
          modelDone = true;
        } else if (trimmed.contains("Build/")) {
          replacement = " M";
        }
      } else if (trimmed.startsWith("Android")) {
        afterVersion = true;
      }
      if (!replacement.equals(segment)) {
        changed = true;
      }
      if (i > 0) {
        out.append(';');
      }
      out.append(replacement);
    }
    if (!changed) {
      return ua;
    }
    out.append(ua, close, ua.length());
    return out.toString();
  }

  /** "en", "en-us", "zh-CN", "pt_BR": a locale segment, not a device model. */
  private static boolean isLocale(String s) {
    int n = s.length();
    if (n < 2) {
      return false;
    }
    int i = 0;
    while (i < n && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
      i++;
    }
    if (i < 2 || i > 3) {
      return false;
    }
    if (i == n) {
      return true;
    }
    char sep = s.charAt(i);
    int rest = n - i - 1;
    if ((sep != '-' && sep != '_') || rest < 2 || rest > 4) {
      return false;
    }
    for (int k = i + 1; k < n; k++) {
      if (!Character.isLetter(s.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  /** A generic crawler token in a user agent whose device model was removed. */
  static String genericCrawler(String ua) {
    int link = LINK.first(ua);
    if (link >= 0) {
      return "contains a link '" + LINK.token(link) + "'";
    }
    String contact = emailAddress(ua);
    if (contact != null) {
      return "contains an e-mail address '" + contact + "'";
    }
    String domain = domainName(ua);
    if (domain != null) {
      return "contains a site address '" + domain + "'";
    }
    final String[] word = new String[1];
    CRAWLER_WORD.scan(
        ua,
        new TokenSet.Visitor() {
          @Override
          public boolean visit(int id, int start, int end) {
            if (id == BOT && start >= 2 && ua.regionMatches(true, start - 2, "cu", 0, 2)) {
              return false;
            }
            if ("java/".equals(CRAWLER_WORD.token(id))
                && (end >= ua.length() || !Character.isDigit(ua.charAt(end)))) {
              return false;
            }
            word[0] = ua.substring(start, end);
            return true;
          }
        });
    if (word[0] != null) {
      return "contains the word '" + word[0] + "'";
    }
    String google = googleFetcher(ua);
    if (google != null) {
      return "names a Google fetcher '" + google + "'";
    }
    if (ua.contains(KHTML_EXTRA)) {
      return "a name inside the engine comment after 'like Gecko'";
    }
    if (compatibleWithoutBrowser(ua)) {
      return "'compatible' without Internet Explorer or Konqueror";
    }
    if (msieWithoutVersion(ua)) {
      return "'MSIE' without a version";
    }
    return null;
  }

  /** "name@host.tld" with letters in the top-level domain ("android@150.0" is not one). */
  private static String emailAddress(String ua) {
    for (int at = ua.indexOf('@'); at >= 0; at = ua.indexOf('@', at + 1)) {
      if (at == 0 || !isLocalPartChar(ua.charAt(at - 1))) {
        continue;
      }
      int i = at + 1;
      int labelStart = i;
      while (i < ua.length() && (isAsciiAlnum(ua.charAt(i)) || ua.charAt(i) == '-')) {
        i++;
      }
      if (i == labelStart || i >= ua.length() || ua.charAt(i) != '.') {
        continue;
      }
      int tld = i + 1;
      int j = tld;
      while (j < ua.length() && isAsciiLetter(ua.charAt(j))) {
        j++;
      }
      if (j - tld >= 2) {
        int from = at - 1;
        while (from > 0 && isLocalPartChar(ua.charAt(from - 1))) {
          from--;
        }
        return ua.substring(from, j);
      }
    }
    return null;
  }

  /**
   * "name.com" and similar, where the suffix is not followed by more of a name: Java package
   * names such as {@code jp.co.yahoo.android} (which in-app browsers send) do not count.
   */
  private static String domainName(final String ua) {
    final String[] found = new String[1];
    DOMAIN_SUFFIX.scan(
        ua,
        new TokenSet.Visitor() {
          @Override
          public boolean visit(int id, int start, int end) {
            if (start == 0 || !isAsciiAlnum(ua.charAt(start - 1))) {
              return false;
            }
            if (end < ua.length()) {
              char next = ua.charAt(end);
              if (next == '-' || next == '_'
                  || (next == '.' && end + 1 < ua.length() && isAsciiLetter(ua.charAt(end + 1)))) {
                return false;
              }
            }
            int from = start - 1;
            while (from > 0 && (isAsciiAlnum(ua.charAt(from - 1)) || ua.charAt(from - 1) == '-')) {
              from--;
            }
            found[0] = ua.substring(from, end);
            return true;
          }
        });
    return found[0];
  }

  /** "Google-Xyz" or "Xyz-Google" (AdsBot-Google, Google-Read-Aloud, DuplexWeb-Google, ...). */
  private static String googleFetcher(String ua) {
    for (int g = ua.indexOf("Google"); g >= 0; g = ua.indexOf("Google", g + 1)) {
      int after = g + 6;
      if (after + 1 < ua.length() && ua.charAt(after) == '-' && isAsciiLetter(ua.charAt(after + 1))) {
        return ua.substring(g, Math.min(ua.length(), after + 12));
      }
      if (g >= 2 && ua.charAt(g - 1) == '-' && isAsciiLetter(ua.charAt(g - 2))
          && (after >= ua.length() || !Character.isLetterOrDigit(ua.charAt(after)))) {
        return ua.substring(Math.max(0, g - 12), after);
      }
    }
    return null;
  }

  private static boolean compatibleWithoutBrowser(String ua) {
    for (int c = ua.indexOf("compatible"); c >= 0; c = ua.indexOf("compatible", c + 1)) {
      int before = c - 1;
      if (before >= 0 && ua.charAt(before) == ' ') {
        before--;
      }
      int after = c + 10;
      boolean opened = before >= 0 && (ua.charAt(before) == '(' || ua.charAt(before) == ';');
      boolean closed = after < ua.length() && (ua.charAt(after) == ';' || ua.charAt(after) == ')');
      if (opened && closed) {
        return !COMPATIBLE_BROWSERS.matcher(ua).find();
      }
    }
    return false;
  }

  /** "MSIE" as a word without a version number after it ("MSIE or Firefox mutant"). */
  private static boolean msieWithoutVersion(String ua) {
    for (int m = ua.indexOf("MSIE"); m >= 0; m = ua.indexOf("MSIE", m + 1)) {
      if (m > 0 && Character.isLetterOrDigit(ua.charAt(m - 1))) {
        continue;
      }
      int after = m + 4;
      if (after < ua.length() && Character.isLetterOrDigit(ua.charAt(after))) {
        continue; // "MSIEMobile"
      }
      if (after < ua.length() && ua.charAt(after) == ' ') {
        after++;
      }
      if (after >= ua.length() || !Character.isDigit(ua.charAt(after))) {
        return true;
      }
    }
    return false;
  }

  /** Why this is not shaped like a browser user agent, or null if it is. */
  static String nonBrowser(String ua) {
    if (!ua.contains("Mozilla/") && !ua.startsWith("Opera/")) {
      return "no Mozilla/ or Opera/ product";
    }
    if (!ENGINE.containsAny(ua)) {
      return "no rendering engine token";
    }
    int open = platformCommentStart(ua);
    if (open >= 0) {
      int close = ua.indexOf(')', open);
      String platform = ua.substring(open, close < 0 ? ua.length() : close);
      if (!KNOWN_PLATFORM.containsAny(platform)) {
        return "unknown platform '" + platform + "'";
      }
    }
    int end = ua.length();
    while (end > 0 && ua.charAt(end - 1) <= ' ') {
      end--;
    }
    if (ua.startsWith("(KHTML, like Gecko)", end - 19)) {
      return "ends after the engine comment";
    }
    return null;
  }

  /** Index just inside the "(" of the comment after the first "Mozilla/x.y", or -1. */
  private static int platformCommentStart(String ua) {
    int m = ua.indexOf("Mozilla/");
    if (m < 0) {
      return -1;
    }
    int i = m + 8;
    while (i < ua.length() && (Character.isDigit(ua.charAt(i)) || ua.charAt(i) == '.')) {
      i++;
    }
    if (i < ua.length() && ua.charAt(i) == ' ') {
      i++;
    }
    return i < ua.length() && ua.charAt(i) == '(' ? i + 1 : -1;
  }

  private static boolean isLocalPartChar(char c) {
    return isAsciiAlnum(c) || c == '.' || c == '_' || c == '-';
  }

  private static boolean isAsciiAlnum(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9');
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}

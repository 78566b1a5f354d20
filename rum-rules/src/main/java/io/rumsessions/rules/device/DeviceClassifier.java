package io.rumsessions.rules.device;

import io.rumsessions.rules.text.TokenSet;
import java.util.regex.Pattern;

/**
 * Device class and browser family from a user agent, by a short, fixed list of product tokens.
 *
 * <p>This is deliberately not a user-agent parser: it answers two bounded questions (five device
 * classes, eleven browser families) with token lists matched in one case-insensitive pass each
 * and one small regular expression over the platform comment, so it loads in microseconds and
 * holds a few kilobytes. Full parsers (uap-core, Matomo device-detector, YAUAA) carry thousands of
 * regular expressions or megabytes of tables to name device models and versions, which no metric
 * label here needs. Known limits: iPadOS 13+ in its default "desktop website" mode sends a
 * Macintosh user agent and is counted as desktop; Chromium forks that send Chrome's exact user
 * agent (Brave, many others) are counted as Chrome.
 */
public final class DeviceClassifier {

  private static final TokenSet TV_OR_CONSOLE =
      TokenSet.of(
          "smarttv", "smart-tv", "smart tv", "hbbtv", "web0s", "webos.tv", "netcast", "googletv",
          "google tv", "android tv", "androidtv", "appletv", "apple tv", "crkey", "roku",
          "bravia", "viera", "aquos", "large screen", "tv safari", "playstation", "xbox",
          "nintendo", "oculusbrowser", "vr safari", "(tv;", "\\bdtv\\b", "opera tv", "freebox",
          "smartcast", "vidaa", "\\bstb\\b");


  private static final TokenSet TABLET =
      TokenSet.of("ipad", "playbook", "kindle", "silk/", "mediapad", "matepad", "xoom",
          "pixel tablet", "pixel c)", "pixel c ", "lenovo tb", "\\btablet\\b");

  /** Tablet model codes inside the platform comment (Samsung SM-T/P/X, Kindle Fire KF..., ...). */
  private static final Pattern TABLET_MODEL =
      Pattern.compile("\\bKF[A-Z]{2,6}\\b|Nexus (?:7|9|10)\\b|\\bSM-[TPX]\\d|\\bGT-P\\d|\\bTB-[A-Z0-9]");

  private static final TokenSet MOBILE =
      TokenSet.of("mobi", "iphone", "ipod", "windows phone", "blackberry", "bb10", "opera mini",
          "kaios", "symbian", "series40", "series60", "series 40", "series 60", "midp", "j2me",
          "windows ce", "palmos", "palmsource", "nokia", "sonyericsson", "samsung-", "ucweb",
          "\\bphone\\b");

  private static final TokenSet DESKTOP =
      TokenSet.of("windows nt", "windows 9", "windows 2000", "windows xp", "win64", "wow64",
          "win32", "macintosh", "mac os x", "mac_powerpc", "x11", "cros", "linux", "freebsd",
          "openbsd", "netbsd", "sunos", "ubuntu", "fedora", "haiku", "beos", "amigaos");

  private static final TokenSet OTHER_CHROMIUM =
      TokenSet.of("vivaldi", "whale/", "miuibrowser", "vivobrowser", "heytapbrowser",
          "oppobrowser", "quark/", "silk/", "puffin/", "qqbrowser", "baidu", "sogou", "360se",
          "360ee", "maxthon", "coc_coc", "coc coc", "alohabrowser", "duckduckgo", "ecosia",
          "electron/", "iron/", "yowser", "sleipnir", "acheetahi", "phx/", "liebao", "mxbrowser",
          "kiwi", "avast", "avg/", "ccleaner", "falkon", "qtwebengine", "nintendobrowser",
          "oculusbrowser");

  private static final TokenSet IN_APP =
      TokenSet.of("fban/", "fbav/", "fb_iab", "instagram", "snapchat", "\\bline/", "kakaotalk",
          "micromessenger", "gsa/", "pinterest", "linkedinapp", "musical_ly", "bytedancewebview",
          "twitterandroid");

  private DeviceClassifier() {}

  /** Device class of a (human) user agent; never {@link DeviceType#BOT}. */
  public static DeviceType deviceOf(String userAgent) {
    if (userAgent == null || userAgent.isEmpty()) {
      return DeviceType.OTHER;
    }
    if (TV_OR_CONSOLE.containsAny(userAgent) || isFireTv(userAgent)) {
      return DeviceType.OTHER;
    }
    if (isTablet(userAgent)) {
      return DeviceType.TABLET;
    }
    if (MOBILE.containsAny(userAgent)) {
      return DeviceType.MOBILE;
    }
    if (userAgent.contains("Android")) {
      // Android browsers omit "Mobile" on tablets (Google's own guidance for sites).
      return DeviceType.TABLET;
    }
    if (DESKTOP.containsAny(userAgent)) {
      return DeviceType.DESKTOP;
    }
    return DeviceType.OTHER;
  }

  /** Amazon Fire TV model codes: "AFTMM", "AFTKA", ... as a word (case-sensitive). */
  private static boolean isFireTv(String ua) {
    for (int i = ua.indexOf("AFT"); i >= 0; i = ua.indexOf("AFT", i + 1)) {
      boolean wordStart = i == 0 || !Character.isLetterOrDigit(ua.charAt(i - 1));
      if (wordStart && i + 3 < ua.length() && ua.charAt(i + 3) >= 'A' && ua.charAt(i + 3) <= 'Z') {
        return true;
      }
    }
    return false;
  }

  private static boolean isTablet(String ua) {
    if (TABLET.containsAny(ua) && !ua.contains("Tablet PC")) {
      return true;
    }
    int open = ua.indexOf('(');
    if (open < 0) {
      return false;
    }
    int close = ua.indexOf(')', open);
    String platform = ua.substring(open, close < 0 ? ua.length() : close + 1);
    boolean candidate = platform.contains("KF") || platform.contains("Nexus ")
        || platform.contains("SM-") || platform.contains("GT-P") || platform.contains("TB-");
    return candidate && TABLET_MODEL.matcher(platform).find();
  }

  /** Browser family of a user agent. */
  public static BrowserFamily browserOf(String userAgent) {
    if (userAgent == null || userAgent.isEmpty()) {
      return BrowserFamily.OTHER;
    }
    String ua = userAgent;
    if (ua.contains("Edg/") || ua.contains("EdgA/") || ua.contains("EdgiOS/")
        || ua.contains("Edge/")) {
      return BrowserFamily.EDGE;
    }
    if (ua.contains("OPR/") || ua.contains("OPT/") || ua.contains("OPX/")
        || ua.contains("OPiOS/") || ua.contains("Opera")) {
      return BrowserFamily.OPERA;
    }
    if (ua.contains("SamsungBrowser/")) {
      return BrowserFamily.SAMSUNG;
    }
    if (ua.contains("YaBrowser/") || ua.contains("YaSearchBrowser/") || ua.contains("YaApp_")) {
      return BrowserFamily.YANDEX;
    }
    if (ua.contains("UCBrowser") || ua.contains("UCWEB") || ua.contains("UBrowser/")) {
      return BrowserFamily.UC;
    }
    if (ua.contains("MSIE ") || ua.contains("Trident/")) {
      return BrowserFamily.INTERNET_EXPLORER;
    }
    if (ua.contains("Firefox/") || ua.contains("FxiOS/")) {
      if (ua.contains("SeaMonkey/") || ua.contains("PaleMoon/") || ua.contains("Basilisk/")) {
        return BrowserFamily.OTHER;
      }
      return BrowserFamily.FIREFOX;
    }
    boolean ios = ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod");
    if (ua.contains("; wv)") || IN_APP.containsAny(ua)) {
      return BrowserFamily.WEBVIEW;
    }
    if (ua.contains("CriOS/")) {
      return BrowserFamily.CHROME;
    }
    if (ios && ua.contains("AppleWebKit") && !ua.contains("Safari/")) {
      return BrowserFamily.WEBVIEW;
    }
    if (ua.contains("Chrome/") || ua.contains("Chromium/")) {
      return OTHER_CHROMIUM.containsAny(ua) ? BrowserFamily.OTHER : BrowserFamily.CHROME;
    }
    if (ua.contains("Safari/") && ua.contains("Version/") && (ios || ua.contains("Macintosh"))) {
      return BrowserFamily.SAFARI;
    }
    return BrowserFamily.OTHER;
  }
}

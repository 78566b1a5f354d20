package io.rumsessions.rules.device;

/**
 * Browser family of a user agent; a bounded metric label. Chromium-based browsers that announce
 * themselves with their own token are reported as that browser (Edge, Opera, Samsung Internet,
 * Yandex) or as {@link #OTHER}; plain Chromium and Brave (which sends Chrome's user agent) are
 * {@link #CHROME}.
 */
public enum BrowserFamily {
  CHROME("chrome"),
  EDGE("edge"),
  FIREFOX("firefox"),
  SAFARI("safari"),
  OPERA("opera"),
  SAMSUNG("samsung"),
  YANDEX("yandex"),
  UC("uc"),
  INTERNET_EXPLORER("internet_explorer"),
  /** In-app browsers: Android WebView ({@code "; wv)"}) and iOS web views without "Safari/". */
  WEBVIEW("webview"),
  OTHER("other");

  private final String label;

  BrowserFamily(String label) {
    this.label = label;
  }

  /** The lowercase snake_case label, e.g. {@code "internet_explorer"}. */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}

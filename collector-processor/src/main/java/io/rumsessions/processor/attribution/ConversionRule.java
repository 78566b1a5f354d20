package io.rumsessions.processor.attribution;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One conversion rule: a name and one or more conditions, all of which must hold.
 *
 * <ul>
 *   <li>{@code span-name}: the span name equals this (case-sensitive);
 *   <li>{@code url-path}: the page path matches this glob ({@code *} any run of characters,
 *       slashes included; {@code ?} one character; everything else literal; the whole path must
 *       match; query and fragment are ignored);
 *   <li>{@code url-path-regex}: the page path matches this Java regular expression, whole path;
 *   <li>{@code attribute} (+ optional {@code value}): the span or resource attribute is present
 *       and non-empty, or equals {@code value} exactly.
 * </ul>
 */
public final class ConversionRule {
  private final String name;
  private final String spanName;
  private final String urlPath;
  private final Pattern urlPathRegex;
  private final String attribute;
  private final String value;

  ConversionRule(String name, String spanName, String urlPath, Pattern urlPathRegex, String attribute, String value) {
    this.name = name;
    this.spanName = spanName;
    this.urlPath = urlPath;
    this.urlPathRegex = urlPathRegex;
    this.attribute = attribute;
    this.value = value;
  }

  public String name() {
    return name;
  }

  public String spanName() {
    return spanName;
  }

  public String urlPath() {
    return urlPath;
  }

  public String urlPathRegex() {
    return urlPathRegex == null ? null : urlPathRegex.pattern();
  }

  public String attribute() {
    return attribute;
  }

  public String value() {
    return value;
  }

  /** Whether every condition of this rule holds. */
  public boolean matches(String spanName, String urlPath, Function<String, String> attributeLookup) {
    if (this.spanName != null && !this.spanName.equals(spanName)) return false;
    if (this.urlPath != null || urlPathRegex != null) {
      if (urlPath == null) return false;
      int end = pathEnd(urlPath);
      if (this.urlPath != null && !glob(this.urlPath, urlPath, end)) return false;
      if (urlPathRegex != null && !urlPathRegex.matcher(urlPath).region(0, end).matches()) return false;
    }
    if (attribute != null) {
      String actual = attributeLookup == null ? null : attributeLookup.apply(attribute);
      if (actual == null) return false;
      if (value == null ? actual.isEmpty() : !value.equals(actual)) return false;
    }
    return true;
  }

  private static int pathEnd(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') return i;
    }
    return path.length();
  }

  /** Glob match of {@code pattern} against {@code text[0, end)}: '*' any run, '?' one char. */
  static boolean glob(String pattern, String text, int end) {
    int p = 0;
    int t = 0;
    int star = -1;
    int mark = 0;
    while (t < end) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t)) && pattern.charAt(p) != '*') {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') p++;
    return p == pattern.length();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{name: ").append(name);
    if (spanName != null) b.append(", span-name: ").append(spanName);
    if (urlPath != null) b.append(", url-path: ").append(urlPath);
    if (urlPathRegex != null) b.append(", url-path-regex: ").append(urlPathRegex.pattern());
    if (attribute != null) b.append(", attribute: ").append(attribute);
    if (value != null) b.append(", value: ").append(value);
    return b.append('}').toString();
  }
}

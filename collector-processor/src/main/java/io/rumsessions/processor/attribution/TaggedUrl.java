package io.rumsessions.processor.attribution;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds and inspects tagged URLs for the {@code utm} command (not on the hot path). */
final class TaggedUrl {
  /** The parameters {@code utm build} sets, in the order it writes them. */
  static final List<String> UTM_NAMES = List.of("utm_source", "utm_medium", "utm_campaign", "utm_id", "utm_term", "utm_content");

  private TaggedUrl() {}

  /** A query parameter as written in the URL: name, raw value (may be null), where it was. */
  record RawParam(String name, String rawValue, boolean inFragment) {
    String lowerName() {
      return name.toLowerCase(Locale.ROOT);
    }

    /** Percent-decoded once, '+' as space, not otherwise normalised; "" when no value. */
    String decodedValue() {
      return rawValue == null ? "" : ParamValues.percentDecode(rawValue, 0, rawValue.length(), true);
    }
  }

  /** Whether the URL is absolute http(s) with a host. */
  static boolean isWebUrl(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    return (lower.startsWith("http://") || lower.startsWith("https://")) && !Hosts.host(url).isEmpty();
  }

  /**
   * The URL with {@code values} (name → value, in {@link #UTM_NAMES} order, null skipped) set:
   * every existing utm_source/medium/campaign/id/term/content parameter is removed, other
   * parameters and the fragment are kept as they are, values are percent-encoded (RFC 3986
   * unreserved characters stay, a space is %20).
   */
  static String build(String url, List<String> values) {
    int hash = url.indexOf('#');
    String fragment = hash >= 0 ? url.substring(hash) : "";
    String base = hash >= 0 ? url.substring(0, hash) : url;
    int q = base.indexOf('?');
    String path = q >= 0 ? base.substring(0, q) : base;
    String query = q >= 0 ? base.substring(q + 1) : "";
    int authority = path.indexOf("://") + 3;
    if (path.indexOf('/', authority) < 0) path = path + "/";
    List<String> pairs = new ArrayList<>();
    for (String pair : query.split("&")) {
      // Matched as the reader matches (an "&amp;" separator, any case): a copy left behind would be read first.
      if (!pair.isEmpty() && !CampaignParams.isNamed(pair, UTM_NAMES)) pairs.add(pair);
    }
    for (int i = 0; i < UTM_NAMES.size(); i++) {
      String v = values.get(i);
      if (v != null) pairs.add(UTM_NAMES.get(i) + "=" + encode(v));
    }
    return path + "?" + String.join("&", pairs) + fragment;
  }

  /** Percent-encodes everything but RFC 3986 unreserved characters, UTF-8. */
  static String encode(String value) {
    StringBuilder b = new StringBuilder();
    for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.toString();
  }

  /** Every parameter of the query and of a query inside the fragment, in order. */
  static List<RawParam> params(String url) {
    List<RawParam> out = new ArrayList<>();
    int hash = url.indexOf('#');
    int end = hash < 0 ? url.length() : hash;
    int q = url.indexOf('?');
    if (q >= 0 && q < end) collect(url.substring(q + 1, end), false, out);
    if (hash >= 0) {
      int fq = url.indexOf('?', hash + 1);
      if (fq >= 0) collect(url.substring(fq + 1), true, out);
    }
    return out;
  }

  private static void collect(String query, boolean fragment, List<RawParam> out) {
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      if (rawName.regionMatches(true, 0, "amp;", 0, 4) && rawName.length() > 4) rawName = rawName.substring(4);
      String name = ParamValues.decodeName(rawName, 0, rawName.length());
      out.add(new RawParam(name, eq < 0 ? null : pair.substring(eq + 1), fragment));
    }
  }
}

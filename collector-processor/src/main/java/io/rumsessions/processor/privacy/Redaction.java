package io.rumsessions.processor.privacy;

import io.rumsessions.processor.attribution.ClickId;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What must not leave the process for a visitor who has not granted consent: the client
 * address, user ids, the client's own session id, and every query parameter except campaign
 * parameters ({@code utm_*}) and ad click ids, which carry no personal data and are needed for
 * attribution.
 */
public final class Redaction {
  private static final Set<String> PERSONAL_KEYS = Set.of(
      "client.address", "client.port", "source.address", "net.sock.peer.addr", "net.peer.ip",
      "http.client_ip", "user.id", "user.email", "user.name", "user.full_name", "user.hash",
      "enduser.id", "enduser.pseudo.id", "session.previous_id", "url.query");
  /** The ad click ids attribution reads: kept, so a redacted URL attributes the same. */
  private static final Set<String> CLICK_IDS = java.util.Arrays.stream(ClickId.values())
      .map(ClickId::parameter).collect(java.util.stream.Collectors.toUnmodifiableSet());

  private final Set<String> urlKeys;
  private final Set<String> clientIdKeys;
  private final String idParameter;

  /** @param idParameter the session-id URL parameter, removed from URLs even with consent; empty for none */
  public Redaction(List<String> urlKeys, List<String> clientIdKeys, String idParameter) {
    this.urlKeys = Set.copyOf(urlKeys);
    this.clientIdKeys = Set.copyOf(clientIdKeys);
    this.idParameter = idParameter.toLowerCase(Locale.ROOT);
  }

  /** The URL without the session-id parameter (a consented visitor's URL keeps the rest). */
  public String withoutIdParameter(String url) {
    if (idParameter.isEmpty() || url.indexOf('?') < 0) return url;
    return filterQuery(url, name -> !name.equals(idParameter), true);
  }

  /** The URL with only campaign parameters and click ids left in its query; fragment dropped. */
  public String reduce(String url) {
    return filterQuery(url, name -> !name.equals(idParameter) && (name.startsWith("utm_") || CLICK_IDS.contains(name)), false);
  }

  /** Whether an attribute is removed outright from a non-consented span. */
  public boolean removes(String key) {
    return PERSONAL_KEYS.contains(key) || clientIdKeys.contains(key);
  }

  /** Whether an attribute holds a URL whose query must be reduced. */
  public boolean isUrl(String key) {
    return urlKeys.contains(key);
  }

  /** The URL with only campaign parameters and click ids left in its query; fragment dropped. */
  public static String reduceQuery(String url) {
    return filterQuery(url, name -> name.startsWith("utm_") || CLICK_IDS.contains(name), false);
  }

  private static String filterQuery(String url, java.util.function.Predicate<String> keep, boolean keepFragment) {
    int q = url.indexOf('?');
    int hash = url.indexOf('#');
    if (q < 0 || (hash >= 0 && hash < q)) {
      return hash >= 0 && !keepFragment ? url.substring(0, hash) : url;
    }
    int end = hash >= 0 ? hash : url.length();
    StringBuilder kept = new StringBuilder(url.length());
    kept.append(url, 0, q);
    char sep = '?';
    int i = q + 1;
    while (i < end) {
      int amp = url.indexOf('&', i);
      if (amp < 0 || amp > end) amp = end;
      int eq = url.indexOf('=', i);
      String name = url.substring(i, eq >= 0 && eq < amp ? eq : amp).toLowerCase(Locale.ROOT);
      if (keep.test(name)) {
        kept.append(sep).append(url, i, amp);
        sep = '&';
      }
      i = amp + 1;
    }
    if (keepFragment && hash >= 0) kept.append(url, hash, url.length());
    return kept.toString();
  }
}

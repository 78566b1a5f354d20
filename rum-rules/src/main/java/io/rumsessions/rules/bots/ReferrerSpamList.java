package io.rumsessions.rules.bots;

import java.net.IDN;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Layer 1 of the bot rules: referrer spam. A referrer matches when its host is a listed domain or
 * a subdomain of one ({@code semalt.com} also matches {@code www.semalt.com}), case-insensitively.
 * Internationalised host names are compared in their ASCII (punycode) form, as the list stores
 * them. Immutable and thread-safe.
 */
public final class ReferrerSpamList {

  private final Set<String> domains;

  private ReferrerSpamList(Set<String> domains) {
    this.domains = domains;
  }

  /** The vendored Matomo referrer-spam list, read once. */
  public static ReferrerSpamList fromBundledList() {
    return Bundled.LIST;
  }

  /**
   * A list of the given domains.
   *
   * @throws IllegalArgumentException for an entry that is not a host name
   */
  public static ReferrerSpamList of(Collection<String> domains) {
    Set<String> set = new HashSet<>();
    for (String domain : domains) {
      set.add(normaliseEntry(domain));
    }
    return new ReferrerSpamList(Collections.unmodifiableSet(set));
  }

  /** This list plus more domains (for example from configuration). */
  public ReferrerSpamList withAdditionalDomains(Collection<String> more) {
    Set<String> set = new HashSet<>(domains);
    for (String domain : more) {
      set.add(normaliseEntry(domain));
    }
    return new ReferrerSpamList(Collections.unmodifiableSet(set));
  }

  public int size() {
    return domains.size();
  }

  /**
   * True if the referrer (a URL such as {@code https://www.semalt.com/page}, or a bare host) has a
   * listed host. Null, empty and unparsable referrers are not spam.
   */
  public boolean isSpamReferrer(String referrer) {
    String host = hostOf(referrer);
    return host != null && isSpamHost(host);
  }

  /** True if the host (any case, optional trailing dot) is listed or below a listed domain. */
  public boolean isSpamHost(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = normaliseHost(host);
    if (h == null) {
      return false;
    }
    int from = 0;
    while (true) {
      if (domains.contains(from == 0 ? h : h.substring(from))) {
        return true;
      }
      int dot = h.indexOf('.', from);
      if (dot < 0 || dot == h.length() - 1) {
        return false;
      }
      from = dot + 1;
    }
  }

  /** The host of a URL or bare host name, lowercased; null if there is none. */
  static String hostOf(String referrer) {
    if (referrer == null) {
      return null;
    }
    String s = referrer.trim();
    if (s.isEmpty()) {
      return null;
    }
    int start = 0;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      start = scheme + 3;
    } else if (s.startsWith("//")) {
      start = 2;
    }
    int end = s.length();
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = s.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    if (authority.startsWith("[")) {
      return null; // an IPv6 literal is never on a domain list
    }
    int colon = authority.indexOf(':');
    if (colon >= 0) {
      authority = authority.substring(0, colon);
    }
    return authority.isEmpty() ? null : authority;
  }

  private static String normaliseHost(String host) {
    String h = host;
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    for (int i = 0; i < h.length(); i++) {
      if (h.charAt(i) >= 0x80) {
        try {
          h = IDN.toASCII(h, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
          return null;
        }
        break;
      }
    }
    return h.toLowerCase(Locale.ROOT);
  }

  private static String normaliseEntry(String domain) {
    if (domain == null) {
      throw new IllegalArgumentException("null referrer-spam domain");
    }
    String d = domain.trim();
    String h = d.isEmpty() ? null : normaliseHost(d);
    if (h == null || h.isEmpty() || h.startsWith(".") || h.contains("..")
        || h.indexOf('/') >= 0 || h.indexOf(' ') >= 0 || h.indexOf(':') >= 0) {
      throw new IllegalArgumentException("not a host name: '" + domain + "'");
    }
    return h;
  }

  private static final class Bundled {
    static final ReferrerSpamList LIST;

    static {
      List<String> lines = new ArrayList<>(BundledLists.lines(BundledLists.REFERRER_SPAMMERS, false, true));
      LIST = of(lines);
    }

    private Bundled() {}
  }
}

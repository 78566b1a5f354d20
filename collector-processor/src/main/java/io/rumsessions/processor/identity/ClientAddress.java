package io.rumsessions.processor.identity;

import io.rumsessions.rules.bots.CidrSet;
import java.util.List;
import java.util.Locale;

/**
 * The client's address for a request: the TCP peer, unless the peer is a trusted proxy, in
 * which case the nearest untrusted address in {@code X-Forwarded-For} (or RFC 7239
 * {@code Forwarded: for=}) counts. Addresses further left are whatever the client claimed and
 * are never believed past the first untrusted hop.
 */
public final class ClientAddress {
  private final CidrSet trusted;

  public ClientAddress(List<String> trustedProxies) {
    this.trusted = trustedProxies.isEmpty() ? null : CidrSet.parse(trustedProxies);
  }

  public String resolve(String peer, String xForwardedFor, String forwarded) {
    if (trusted == null || peer == null || !trusted.contains(peer)) return peer;
    String chain = xForwardedFor != null ? xForwardedFor : forwardedFor(forwarded);
    if (chain == null) return peer;
    String[] hops = chain.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = strip(hops[i].trim());
      if (hop.isEmpty()) continue;
      if (!isTrusted(hop)) return hop;
    }
    return peer;
  }

  private boolean isTrusted(String address) {
    try {
      return trusted.contains(address);
    } catch (IllegalArgumentException notAnAddress) {
      return false;
    }
  }

  /** The {@code for=} values of a Forwarded header, comma separated like X-Forwarded-For. */
  private static String forwardedFor(String forwarded) {
    if (forwarded == null) return null;
    StringBuilder b = new StringBuilder();
    for (String element : forwarded.split(",")) {
      for (String pair : element.split(";")) {
        String p = pair.trim();
        if (p.toLowerCase(Locale.ROOT).startsWith("for=")) {
          if (b.length() > 0) b.append(',');
          b.append(p.substring(4));
        }
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /** Removes quotes, IPv6 brackets and ports: {@code "[2001:db8::1]:4711"} → {@code 2001:db8::1}. */
  private static String strip(String hop) {
    String h = hop;
    if (h.startsWith("\"") && h.endsWith("\"") && h.length() >= 2) h = h.substring(1, h.length() - 1);
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close > 0 ? h.substring(1, close) : h;
    }
    int colon = h.indexOf(':');
    if (colon > 0 && h.indexOf(':', colon + 1) < 0) h = h.substring(0, colon);
    return h;
  }
}

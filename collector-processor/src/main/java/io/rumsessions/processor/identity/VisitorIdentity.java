package io.rumsessions.processor.identity;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.input.SpanFacts;

/**
 * Decides whether a span's visitor consented, and which id its session is keyed by. With
 * consent, the client's own session id (web-common, Faro, Splunk) is used when present;
 * without consent, or without a client id, the cookie-free id is derived server-side — under
 * today's salt, or yesterday's when a session under yesterday's id is still open, so a
 * session that spans midnight stays whole.
 */
public final class VisitorIdentity {
  /** Whether a session is open under a key id (for the previous-salt match). */
  public interface ActiveKeys {
    boolean isActive(String service, String keyId);
  }

  private final ConsentConfig consent;
  private final CookieFreeId cookieFree;
  private final ActiveKeys active;
  private final SiteCalendar calendar;

  /** @param calendar the site's days: salts turn at the site's midnight, when its visitor day does */
  public VisitorIdentity(ConsentConfig consent, CookieFreeId cookieFree, ActiveKeys active, SiteCalendar calendar) {
    this.consent = consent;
    this.cookieFree = cookieFree;
    this.active = active;
    this.calendar = calendar;
  }

  /**
   * Consent, strongest signal first: a honoured {@code Sec-GPC: 1} denies whatever else says;
   * then the span or resource attribute; then the request header; then a honoured DNT; then
   * the configured default (denied unless configured otherwise).
   */
  public boolean granted(SpanFacts.Consent spanConsent, RequestContext ctx) {
    if (consent.honorGlobalPrivacyControl() && ctx.globalPrivacyControl()) return false;
    if (spanConsent != SpanFacts.Consent.UNKNOWN) return spanConsent == SpanFacts.Consent.GRANTED;
    if (ctx.headerConsent() != SpanFacts.Consent.UNKNOWN) return ctx.headerConsent() == SpanFacts.Consent.GRANTED;
    if (consent.honorDoNotTrack() && ctx.doNotTrack()) return false;
    return consent.grantedByDefault();
  }

  /**
   * The session key id for a span.
   *
   * @param userAgent the span's user agent, or the posting browser's
   * @param clientAddress the span's client.address, or the request's
   * @param host the page URL's host
   */
  public String keyFor(SpanFacts f, boolean granted, String service, String userAgent, String clientAddress,
      String host, long nowMillis) {
    if (granted && f.clientSessionId != null) {
      return f.clientSessionId;
    }
    String todays = cookieFreeId(service, userAgent, clientAddress, host, nowMillis);
    long today = calendar.day(nowMillis);
    // Yesterday's id is derived only for a visitor with no session under today's id yet: one
    // hash per span in the common case.
    if (!cookieFree.hasSalt(today - 1) || active.isActive(service, todays)) return todays;
    String yesterdays = cookieFree.derive(userAgent, clientAddress, service, host, today - 1);
    return yesterdays != null && active.isActive(service, yesterdays) ? yesterdays : todays;
  }

  /** Today's cookie-free id of a visitor: the session key without consent, the daily visitor key always. */
  public String cookieFreeId(String service, String userAgent, String clientAddress, String host, long nowMillis) {
    return cookieFree.derive(userAgent, clientAddress, service, host, calendar.day(nowMillis));
  }

  /**
   * Which of {@code partitions} keeps a span's visitor in the distributed mode: every span that
   * {@link #keyFor} may put in one session goes to one partition. With consent and a client
   * session id, by that id; otherwise by service, address and host — the cookie-free id without
   * its user agent and salt, so that spans without an agent (keyed by their address's visitor)
   * and sessions across midnight (yesterday's salt) stay with theirs. Only a number: nothing
   * of it is stored or sent.
   */
  public static int partitionOf(boolean granted, String clientSessionId, String service, String clientAddress,
      String host, int partitions) {
    long h = 0xcbf29ce484222325L;
    if (granted && clientSessionId != null) {
      h = fnv(fnv(h, "c"), clientSessionId);
    } else {
      h = fnv(fnv(fnv(fnv(h, "a"), service), clientAddress), host);
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) Math.floorMod(h, (long) partitions);
  }

  /** FNV-1a over the string's chars, then a separator: stable across JVMs and versions. */
  private static long fnv(long h, String s) {
    if (s != null) {
      for (int i = 0; i < s.length(); i++) {
        h ^= s.charAt(i);
        h *= 0x100000001b3L;
      }
    }
    h ^= 0xff;
    return h * 0x100000001b3L;
  }
}

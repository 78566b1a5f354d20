package io.rumsessions.processor.identity;

import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.input.PageUrl;
import io.rumsessions.processor.input.SpanFacts;

/**
 * Decides which id a span's session is keyed by. With consent granted, the client's own
 * session id (web-common, Faro, Splunk) is used when present; without consent, or without a
 * client id, the cookie-free id is derived server-side.
 */
public final class VisitorIdentity {
  private final ConsentConfig consent;
  private final CookieFreeId cookieFree;

  public VisitorIdentity(ConsentConfig consent, CookieFreeId cookieFree) {
    this.consent = consent;
    this.cookieFree = cookieFree;
  }

  public boolean granted(SpanFacts.Consent c) {
    return c == SpanFacts.Consent.GRANTED || (c == SpanFacts.Consent.UNKNOWN && consent.grantedByDefault());
  }

  /**
   * The session key id for a span.
   *
   * @param requestUserAgent the user agent of the HTTP request that carried the span, used when
   *     the span has none (only the OTel web documentLoad span carries one)
   * @param peerAddress the client address seen by the receiver
   */
  public String keyFor(SpanFacts f, String service, String requestUserAgent, String peerAddress, long nowMillis) {
    if (f.clientSessionId != null && granted(f.consent)) {
      return f.clientSessionId;
    }
    String ua = requestUserAgent != null ? requestUserAgent : f.userAgent;
    String address = f.clientAddress != null ? f.clientAddress : peerAddress;
    return cookieFree.derive(ua, address, service, PageUrl.host(f.url), nowMillis);
  }
}

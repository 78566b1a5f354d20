package io.rumsessions.extension.consent;

import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.request.Cookies;
import java.util.regex.Pattern;

/**
 * Combines a request's consent signals into one decision, with the processor's rules: any
 * signal that denies wins (W3C baggage {@code consent.analytics}, the consent header, the consent
 * manager's cookie, {@code Sec-GPC: 1}); otherwise any signal that grants; otherwise the
 * configured default, which is denied unless configured otherwise.
 */
public final class ConsentResolver {

  private final boolean grantedByDefault;
  private final boolean honorGpc;
  private final Pattern cookieGranted;
  private final Pattern cookieDenied;

  public ConsentResolver(RumSessionConfig config) {
    this.grantedByDefault = config.consentGrantedByDefault();
    this.honorGpc = config.honorGpc();
    this.cookieGranted = config.consentCookieGranted();
    this.cookieDenied = config.consentCookieDenied();
  }

  /**
   * The combined signal; {@link Consent#UNKNOWN} when no signal says anything.
   *
   * @param baggageValue the {@code consent.analytics} baggage entry, or null
   * @param headerValue the consent header, or null
   * @param cookieValue the consent manager's cookie (raw), or null
   * @param gpcValue the {@code Sec-GPC} header, or null
   */
  public Consent signal(String baggageValue, String headerValue, String cookieValue, String gpcValue) {
    Consent fromBaggage = Consent.parse(baggageValue);
    Consent fromHeader = Consent.parse(headerValue);
    Consent fromCookie = cookie(cookieValue);
    boolean gpc = honorGpc && gpcValue != null && gpcValue.trim().equals("1");
    if (gpc
        || fromBaggage == Consent.DENIED
        || fromHeader == Consent.DENIED
        || fromCookie == Consent.DENIED) {
      return Consent.DENIED;
    }
    if (fromBaggage == Consent.GRANTED
        || fromHeader == Consent.GRANTED
        || fromCookie == Consent.GRANTED) {
      return Consent.GRANTED;
    }
    return Consent.UNKNOWN;
  }

  /** Whether a combined signal allows a client-persisted session id. */
  public boolean granted(Consent signal) {
    return signal == Consent.GRANTED || (signal == Consent.UNKNOWN && grantedByDefault);
  }

  /** Reads a consent manager's cookie: the denied pattern wins, then the granted pattern. */
  Consent cookie(String raw) {
    if (raw == null) {
      return Consent.UNKNOWN;
    }
    String value = Cookies.urlDecode(raw);
    if (cookieDenied != null && cookieDenied.matcher(value).find()) {
      return Consent.DENIED;
    }
    if (cookieGranted != null && cookieGranted.matcher(value).find()) {
      return Consent.GRANTED;
    }
    return Consent.UNKNOWN;
  }
}

package io.rumsessions.extension.session;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.rumsessions.extension.config.SessionSource;
import io.rumsessions.extension.request.Cookies;
import io.rumsessions.extension.request.RequestAttributes;
import java.util.List;

/**
 * One incoming request as the span processor sees it at the server span's start: the baggage the
 * agent extracted (in the parent context) and the headers the agent captured as span attributes.
 * Cookies are parsed only when asked for.
 */
final class ServerRequest implements SessionResolver.Candidates {

  private final Baggage baggage;
  private final ReadableSpan span;
  private final RequestKeys keys;
  private List<String> cookieHeaders;
  private boolean cookiesRead;

  ServerRequest(Baggage baggage, ReadableSpan span, RequestKeys keys) {
    this.baggage = baggage;
    this.span = span;
    this.keys = keys;
  }

  @Override
  public String id(SessionSource source) {
    switch (source) {
      case BAGGAGE:
        return baggage.getEntryValue(SessionAttributes.BAGGAGE_SESSION_ID);
      case HEADER:
        return header(keys.sessionHeader);
      case COOKIE:
        return cookie(keys.sessionCookie);
      default:
        return null;
    }
  }

  @Override
  public String previousId(SessionSource source) {
    switch (source) {
      case BAGGAGE:
        return baggage.getEntryValue(SessionAttributes.BAGGAGE_SESSION_PREVIOUS_ID);
      case HEADER:
        return header(keys.previousHeader);
      case COOKIE:
        return cookie(keys.previousCookie);
      default:
        return null;
    }
  }

  String baggageConsent() {
    return baggage.getEntryValue(SessionAttributes.BAGGAGE_CONSENT);
  }

  String consentHeader() {
    return header(keys.consentHeader);
  }

  String consentCookie() {
    return cookie(keys.consentCookie);
  }

  String gpc() {
    return header(keys.gpcHeader);
  }

  private String header(AttributeKey<List<String>> key) {
    return RequestAttributes.firstHeader(span, key);
  }

  private String cookie(String name) {
    if (name.isEmpty()) {
      return null;
    }
    if (!cookiesRead) {
      cookiesRead = true;
      cookieHeaders = keys.cookieHeader == null ? null : span.getAttribute(keys.cookieHeader);
    }
    return Cookies.find(cookieHeaders, name);
  }
}

package io.rumsessions.extension.session;

import io.opentelemetry.api.common.AttributeKey;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.config.SessionSource;
import io.rumsessions.extension.request.RequestAttributes;
import java.util.List;

/** The captured-header attribute keys and cookie names of a configuration, built once. */
final class RequestKeys {

  final AttributeKey<List<String>> sessionHeader;
  final AttributeKey<List<String>> previousHeader;
  final AttributeKey<List<String>> consentHeader;
  final AttributeKey<List<String>> gpcHeader;
  final AttributeKey<List<String>> cookieHeader;
  final String sessionCookie;
  final String previousCookie;
  final String consentCookie;

  RequestKeys(RumSessionConfig config) {
    boolean headers = config.sources().contains(SessionSource.HEADER);
    this.sessionHeader = headers ? key(config.header()) : null;
    this.previousHeader = headers ? key(config.previousHeader()) : null;
    this.consentHeader = key(config.consentHeader());
    this.gpcHeader = config.honorGpc() ? key("sec-gpc") : null;
    this.cookieHeader = config.needsCookieHeader() ? key("cookie") : null;
    boolean cookies = config.sources().contains(SessionSource.COOKIE);
    this.sessionCookie = cookies ? config.cookie() : "";
    this.previousCookie = cookies ? config.previousCookie() : "";
    this.consentCookie = config.consentCookie();
  }

  private static AttributeKey<List<String>> key(String header) {
    return header.isEmpty() ? null : RequestAttributes.headerKey(header);
  }
}

package io.rumsessions.extension.request;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.trace.ReadableSpan;
import java.util.List;

/**
 * Reads what an HTTP server span says about its request, from the attributes the agent sets at
 * span start: current semantic conventions first, then the legacy names.
 */
public final class RequestAttributes {

  public static final AttributeKey<String> USER_AGENT_ORIGINAL =
      AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<String> HTTP_USER_AGENT = AttributeKey.stringKey("http.user_agent");
  public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> HTTP_TARGET = AttributeKey.stringKey("http.target");
  public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> NETWORK_PEER_ADDRESS =
      AttributeKey.stringKey("network.peer.address");

  /** Prefix of the attributes the agent writes for captured request headers. */
  public static final String HEADER_ATTRIBUTE_PREFIX = "http.request.header.";

  private RequestAttributes() {}

  /** The attribute key under which the agent stores a captured request header (lower case). */
  public static AttributeKey<List<String>> headerKey(String lowerCaseName) {
    return AttributeKey.stringArrayKey(HEADER_ATTRIBUTE_PREFIX + lowerCaseName);
  }

  public static String userAgent(Attributes a) {
    String ua = a.get(USER_AGENT_ORIGINAL);
    return ua != null ? ua : a.get(HTTP_USER_AGENT);
  }

  public static String userAgent(ReadableSpan s) {
    String ua = s.getAttribute(USER_AGENT_ORIGINAL);
    return ua != null ? ua : s.getAttribute(HTTP_USER_AGENT);
  }

  public static String path(Attributes a) {
    String p = a.get(URL_PATH);
    return p != null ? p : withoutQuery(a.get(HTTP_TARGET));
  }

  public static String path(ReadableSpan s) {
    String p = s.getAttribute(URL_PATH);
    return p != null ? p : withoutQuery(s.getAttribute(HTTP_TARGET));
  }

  public static String clientAddress(Attributes a) {
    String c = a.get(CLIENT_ADDRESS);
    return c != null ? c : a.get(NETWORK_PEER_ADDRESS);
  }

  public static String clientAddress(ReadableSpan s) {
    String c = s.getAttribute(CLIENT_ADDRESS);
    return c != null ? c : s.getAttribute(NETWORK_PEER_ADDRESS);
  }

  /** The first value of a captured header, or null. */
  public static String firstHeader(ReadableSpan s, AttributeKey<List<String>> key) {
    if (key == null) {
      return null;
    }
    List<String> values = s.getAttribute(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static String withoutQuery(String target) {
    if (target == null) {
      return null;
    }
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }
}

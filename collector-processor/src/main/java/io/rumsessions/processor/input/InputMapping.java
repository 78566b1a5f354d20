package io.rumsessions.processor.input;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.config.InputConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads what a RUM producer's span means for sessions: session id, page URL, user agent, client
 * address, consent, and whether it is a pageview or an interaction. Attribute names come from
 * configuration (defaults cover OpenTelemetry JS web, Grafana Faro and Splunk otel-web, current
 * and legacy semantic conventions); span attributes win over resource attributes, and within
 * one list the earlier name wins.
 */
public final class InputMapping {
  private static final int SESSION_ID = 0;
  private static final int URL = 1;
  private static final int USER_AGENT = 2;
  private static final int CLIENT_ADDRESS = 3;
  private static final int CONSENT = 4;
  private static final int REFERRER = 5;
  private static final int SYNTHETIC = 6;
  private static final int AUTOMATION = 7;
  private static final int PREVIOUS_ID = 8;
  private static final int USER_ID = 9;
  static final int ROLES = 10;

  /** Attribute key → role * 1024 + rank within its list. */
  private final Map<String, Integer> roles = new HashMap<>();
  private final Set<String> pageviewNames;
  private final List<String> pageviewPrefixes;
  private final Set<String> interactionNames;
  private final int maxIdLength;
  private final String idParameter;

  public InputMapping(InputConfig input, ConsentConfig consent) {
    register(input.sessionIdAttributes(), SESSION_ID);
    register(input.urlAttributes(), URL);
    register(input.userAgentAttributes(), USER_AGENT);
    register(input.clientAddressAttributes(), CLIENT_ADDRESS);
    register(List.of(consent.attribute()), CONSENT);
    register(input.referrerAttributes(), REFERRER);
    register(List.of("user_agent.synthetic.type"), SYNTHETIC);
    register(input.automationFlagAttributes(), AUTOMATION);
    register(List.of("session.previous_id"), PREVIOUS_ID);
    register(List.of("user.id", "enduser.id"), USER_ID);
    this.pageviewNames = new HashSet<>(input.pageviewSpanNames());
    this.pageviewPrefixes = List.copyOf(input.pageviewSpanPrefixes());
    this.interactionNames = new HashSet<>(input.interactionSpanNames());
    this.maxIdLength = input.maxIdLength();
    this.idParameter = input.sessionIdUrlParameter().isEmpty() ? null : input.sessionIdUrlParameter() + "=";
  }

  private void register(List<String> names, int role) {
    for (int i = 0; i < names.size(); i++) {
      roles.putIfAbsent(names.get(i), role * 1024 + i);
    }
  }

  /** The resource's own values, read once per ResourceSpans. */
  public ResourceFacts resource(Resource resource) {
    String service = null;
    String[] values = new String[ROLES];
    int[] ranks = new int[ROLES];
    java.util.Arrays.fill(ranks, Integer.MAX_VALUE);
    for (KeyValue kv : resource.getAttributesList()) {
      String key = kv.getKey();
      if (key.equals("service.name")) {
        service = stringOf(kv.getValue());
        continue;
      }
      collect(kv, values, ranks);
    }
    return new ResourceFacts(service, values[SESSION_ID], values[URL], values[USER_AGENT],
        values[CLIENT_ADDRESS], consentOf(values[CONSENT]), values[REFERRER], values[SYNTHETIC],
        values[AUTOMATION]);
  }

  /** Fills {@code out} from one span and its resource's facts. */
  public void span(ResourceFacts resource, Span span, SpanFacts out) {
    out.clear();
    String[] values = out.scratchValues;
    int[] ranks = out.scratchRanks;
    java.util.Arrays.fill(values, null);
    java.util.Arrays.fill(ranks, Integer.MAX_VALUE);
    for (KeyValue kv : span.getAttributesList()) {
      collect(kv, values, ranks);
    }
    out.clientSessionId = validId(values[SESSION_ID] != null ? values[SESSION_ID] : resource.sessionId());
    out.url = values[URL] != null ? values[URL] : resource.url();
    if (out.clientSessionId == null && idParameter != null) out.clientSessionId = validId(queryValue(out.url));
    out.userAgent = values[USER_AGENT] != null ? values[USER_AGENT] : resource.userAgent();
    out.clientAddress = values[CLIENT_ADDRESS] != null ? values[CLIENT_ADDRESS] : resource.clientAddress();
    SpanFacts.Consent c = consentOf(values[CONSENT]);
    out.consent = c != SpanFacts.Consent.UNKNOWN ? c : resource.consent();
    out.referrer = values[REFERRER] != null ? values[REFERRER] : resource.referrer();
    out.syntheticType = values[SYNTHETIC] != null ? values[SYNTHETIC] : resource.syntheticType();
    out.automationFlag = values[AUTOMATION] != null ? values[AUTOMATION] : resource.automationFlag();
    out.previousSessionId = validId(values[PREVIOUS_ID]);
    out.userId = validId(values[USER_ID]);
    out.backend = span.getKind() == Span.SpanKind.SPAN_KIND_SERVER || span.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER;
    out.error = span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
    out.timeNanos = span.getStartTimeUnixNano();
    String name = span.getName();
    out.pageview = isPageview(name);
    out.interaction = !out.pageview && interactionNames.contains(name);
  }

  /** The configured id parameter's value in the URL's query, or null. */
  private String queryValue(String url) {
    if (url == null) return null;
    int q = url.indexOf('?');
    if (q < 0) return null;
    int end = url.indexOf('#', q);
    if (end < 0) end = url.length();
    int i = q + 1;
    while (i < end) {
      int amp = url.indexOf('&', i);
      if (amp < 0 || amp > end) amp = end;
      if (url.startsWith(idParameter, i)) {
        return java.net.URLDecoder.decode(url.substring(i + idParameter.length(), amp), java.nio.charset.StandardCharsets.UTF_8);
      }
      i = amp + 1;
    }
    return null;
  }

  private boolean isPageview(String name) {
    if (pageviewNames.contains(name)) return true;
    for (String prefix : pageviewPrefixes) {
      if (name.startsWith(prefix)) return true;
    }
    return false;
  }

  private void collect(KeyValue kv, String[] values, int[] ranks) {
    Integer code = roles.get(kv.getKey());
    if (code == null) return;
    int role = code / 1024;
    int rank = code % 1024;
    if (rank < ranks[role]) {
      String v = stringOf(kv.getValue());
      if (v != null && !v.isEmpty()) {
        values[role] = v;
        ranks[role] = rank;
      }
    }
  }

  /** A client id is kept only if it is short and printable; anything else is ignored. */
  private String validId(String id) {
    if (id == null || id.isEmpty() || id.length() > maxIdLength) return null;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7f) return null;
    }
    return id;
  }

  /** Reads a consent value: granted/true, denied/false, anything else unknown. */
  public static SpanFacts.Consent consentOf(String v) {
    if (v == null) return SpanFacts.Consent.UNKNOWN;
    v = v.trim();
    if (v.equalsIgnoreCase("granted") || v.equalsIgnoreCase("true")) return SpanFacts.Consent.GRANTED;
    if (v.equalsIgnoreCase("denied") || v.equalsIgnoreCase("false")) return SpanFacts.Consent.DENIED;
    return SpanFacts.Consent.UNKNOWN;
  }

  /** An attribute value as text; null for arrays, maps and bytes. */
  public static String stringOf(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      default -> null;
    };
  }
}

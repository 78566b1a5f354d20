package io.rumsessions.processor.input;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.config.InputConfig;
import java.util.HashSet;
import java.util.List;
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
  private static final String SERVICE_NAME = "service.name";
  private static final byte[] SERVICE_NAME_UTF8 = SERVICE_NAME.getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** Attribute key → role * 1024 + rank within its list. */
  private final AttributeRoles roles = new AttributeRoles();
  private final Set<String> pageviewNames;
  private final List<String> pageviewPrefixes;
  private final Set<String> interactionNames;
  private final int maxIdLength;
  private final int maxValueLength;
  private final java.util.concurrent.atomic.LongAdder truncated = new java.util.concurrent.atomic.LongAdder();
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
    this.maxValueLength = input.maxValueLength();
    this.idParameter = input.sessionIdUrlParameter().isEmpty() ? null : input.sessionIdUrlParameter() + "=";
  }

  private void register(List<String> names, int role) {
    for (int i = 0; i < names.size(); i++) {
      roles.putIfAbsent(names.get(i), role * 1024 + i);
    }
  }

  /** The resource's own values, read once per ResourceSpans. */
  public ResourceFacts resource(Resource resource) {
    SpanFacts scratch = new SpanFacts();
    begin(scratch);
    String service = null;
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals(SERVICE_NAME)) {
        service = stringOf(kv.getValue());
        continue;
      }
      collect(kv, scratch);
    }
    return resourceFacts(service, scratch);
  }

  /** Whether these UTF-8 bytes name {@code service.name}, which a resource's facts keep apart (the last one counts). */
  public boolean isServiceName(byte[] utf8, int off, int len) {
    return java.util.Arrays.equals(utf8, off, off + len, SERVICE_NAME_UTF8, 0, SERVICE_NAME_UTF8.length);
  }

  /** A resource's facts from the values offered into {@code scratch} since {@link #begin}. */
  public ResourceFacts resourceFacts(String serviceName, SpanFacts scratch) {
    String[] values = scratch.scratchValues;
    return new ResourceFacts(serviceName, values[SESSION_ID], values[URL], values[USER_AGENT],
        values[CLIENT_ADDRESS], consentOf(values[CONSENT]), values[REFERRER], values[SYNTHETIC],
        values[AUTOMATION]);
  }

  /** Fills {@code out} from one span and its resource's facts. */
  public void span(ResourceFacts resource, Span span, SpanFacts out) {
    begin(out);
    for (KeyValue kv : span.getAttributesList()) {
      collect(kv, out);
    }
    finish(resource, out, span.getName(), span.getKindValue(), span.getStatus().getCodeValue(), span.getStartTimeUnixNano());
  }

  /*
   * The same mapping in steps, for a decoder that reads a span's attributes straight from its
   * protobuf bytes: begin, then role/wants/offer for each attribute, then finish.
   */

  /** Values cut to {@code input.max-value-length} so far. */
  public long truncatedValues() {
    return truncated.sum();
  }

  /** Starts mapping a span into {@code out}, forgetting the previous span. */
  public void begin(SpanFacts out) {
    out.clear();
    java.util.Arrays.fill(out.scratchValues, null);
    java.util.Arrays.fill(out.scratchRanks, Integer.MAX_VALUE);
  }

  /** The role of an attribute named by these UTF-8 bytes, or -1 when the mapping does not read it. */
  public int role(byte[] utf8, int off, int len) {
    return roles.code(utf8, off, len);
  }

  /** Whether a value under this role would be taken, i.e. no name ranked before it has given one yet. */
  public boolean wants(int role, SpanFacts out) {
    return role % 1024 < out.scratchRanks[role / 1024];
  }

  /** Offers an attribute's text under its role; empty or null text is not a value. */
  public void offer(int role, String value, SpanFacts out) {
    if (value != null && !value.isEmpty() && wants(role, out)) {
      int r = role / 1024;
      if (value.length() > maxValueLength && r != SESSION_ID && r != PREVIOUS_ID && r != USER_ID) {
        // A 3 MB URL or user agent would be kept by the page path table, the user-agent cache and
        // attribution; cut, it still gives its host, path and campaign. Ids are not cut (validId
        // ignores them when too long), so a cut id never joins another visitor's session.
        value = value.substring(0, maxValueLength);
        truncated.increment();
      }
      out.scratchValues[role / 1024] = value;
      out.scratchRanks[role / 1024] = role % 1024;
    }
  }

  /**
   * Completes {@code out} once all attributes were offered: resource fallbacks, id checks, and
   * what the span's name, kind (protobuf enum number), status code and start time say.
   */
  public void finish(ResourceFacts resource, SpanFacts out, String name, int kind, int statusCode, long startNanos) {
    String[] values = out.scratchValues;
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
    out.backend = kind == Span.SpanKind.SPAN_KIND_SERVER_VALUE || kind == Span.SpanKind.SPAN_KIND_CONSUMER_VALUE;
    out.error = statusCode == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR_VALUE;
    out.timeNanos = startNanos;
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
        String raw = url.substring(i + idParameter.length(), amp);
        // URLDecoder throws on a '%' without two hex digits: that failed the whole request (found by fuzzing).
        return hasBadEscape(raw) ? null : java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
      }
      i = amp + 1;
    }
    return null;
  }

  private static boolean hasBadEscape(String s) {
    for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
      if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) return true;
    }
    return false;
  }

  private boolean isPageview(String name) {
    if (pageviewNames.contains(name)) return true;
    for (String prefix : pageviewPrefixes) {
      if (name.startsWith(prefix)) return true;
    }
    return false;
  }

  private void collect(KeyValue kv, SpanFacts out) {
    int role = roles.code(kv.getKey());
    if (role != AttributeRoles.NONE && wants(role, out)) offer(role, stringOf(kv.getValue()), out);
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

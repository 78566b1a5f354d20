package io.rumsessions.extension.request;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which request headers the agent must capture for the extension, merged into the agent's own
 * {@value #CAPTURE_PROPERTY}, and which of the resulting span attributes the extension must
 * remove again.
 *
 * <p>A span processor cannot read request headers; the agent's HTTP server instrumentations can
 * capture them as {@code http.request.header.<name>} span attributes, set at span start. The
 * extension turns that on for the headers it reads (session header, consent header, {@code
 * Sec-GPC}, and {@code Cookie} only when a cookie name is configured). The headers the extension
 * added, and not the operator, are redacted: blanked in the span processor's {@code onStart}, and
 * removed from every exported span by {@link RedactingSpanExporter}, so a raw cookie or a session
 * id the user did not consent to is never exported.
 */
public final class HeaderCapture {

  /** The agent's property listing the request headers its HTTP server spans capture. */
  public static final String CAPTURE_PROPERTY =
      "otel.instrumentation.http.server.capture-request-headers";

  private final List<String> merged;
  private final List<String> added;
  private final Set<AttributeKey<?>> attributesToRedact;

  private HeaderCapture(List<String> merged, List<String> added) {
    this.merged = Collections.unmodifiableList(merged);
    this.added = Collections.unmodifiableList(added);
    Set<AttributeKey<?>> keys = new LinkedHashSet<>();
    for (String h : added) {
      keys.add(RequestAttributes.headerKey(h));
    }
    this.attributesToRedact = Collections.unmodifiableSet(keys);
  }

  /** No headers captured, nothing redacted (extension disabled). */
  public static HeaderCapture none() {
    return new HeaderCapture(new ArrayList<String>(), new ArrayList<String>());
  }

  /**
   * Plans the capture from the operator's configuration (before the extension's change) and the
   * headers the extension needs.
   */
  public static HeaderCapture plan(ConfigProperties config, List<String> needed) {
    return plan(config.getList(CAPTURE_PROPERTY), needed);
  }

  /** Plans the capture from the operator's header list and the headers the extension needs. */
  public static HeaderCapture plan(List<String> operatorHeaders, List<String> needed) {
    Set<String> operator = new LinkedHashSet<>();
    for (String h : operatorHeaders) {
      String n = h.trim().toLowerCase(Locale.ROOT);
      if (!n.isEmpty()) {
        operator.add(n);
      }
    }
    List<String> merged = new ArrayList<>(operator);
    List<String> added = new ArrayList<>();
    for (String h : needed) {
      String n = h.toLowerCase(Locale.ROOT);
      if (!operator.contains(n)) {
        merged.add(n);
        added.add(n);
      }
    }
    return new HeaderCapture(merged, added);
  }

  /** The property override for the agent; empty when the extension adds nothing. */
  public Map<String, String> propertyOverrides() {
    Map<String, String> out = new HashMap<>();
    if (!added.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (String h : merged) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(h);
      }
      out.put(CAPTURE_PROPERTY, sb.toString());
    }
    return out;
  }

  /** All headers the agent will capture, the operator's first. */
  public List<String> merged() {
    return merged;
  }

  /** The headers the extension added (the operator did not ask for them). */
  public List<String> added() {
    return added;
  }

  /** The span attributes of {@link #added()}: never exported. */
  public Set<AttributeKey<?>> attributesToRedact() {
    return attributesToRedact;
  }
}

package io.rumsessions.extension.testing;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/** Builds server spans the way the agent's HTTP server instrumentations start them. */
public final class Requests {

  public static final String CHROME =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";
  public static final String GOOGLEBOT =
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  public static final String HEADLESS =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " HeadlessChrome/131.0.0.0 Safari/537.36";
  public static final String OKHTTP = "okhttp/4.12.0";

  private final AttributesBuilder attributes = Attributes.builder();
  private Context parent = Context.root();

  private Requests(String path, String userAgent) {
    attributes.put("http.request.method", "GET");
    attributes.put("url.path", path);
    attributes.put("url.scheme", "http");
    if (userAgent != null) {
      attributes.put("user_agent.original", userAgent);
    }
    attributes.put("client.address", "198.51.100.7");
  }

  public static Requests get(String path) {
    return new Requests(path, CHROME);
  }

  public static Requests get(String path, String userAgent) {
    return new Requests(path, userAgent);
  }

  /** A captured request header ({@code http.request.header.<name>}). */
  public Requests header(String name, String... values) {
    attributes.put(
        AttributeKey.stringArrayKey("http.request.header." + name), java.util.Arrays.asList(values));
    return this;
  }

  public Requests attribute(String key, String value) {
    attributes.put(key, value);
    return this;
  }

  /** W3C baggage extracted from the request, as the agent puts it in the parent context. */
  public Requests baggage(String... keyValues) {
    io.opentelemetry.api.baggage.BaggageBuilder b = Baggage.fromContext(parent).toBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      b.put(keyValues[i], keyValues[i + 1]);
    }
    parent = parent.with(b.build());
    return this;
  }

  /** A traceparent from an upstream service. */
  public Requests remoteParent() {
    parent =
        parent.with(
            Span.wrap(
                SpanContext.createFromRemoteParent(
                    "4bf92f3577b34da6a3ce929d0e0e4736",
                    "00f067aa0ba902b7",
                    TraceFlags.getSampled(),
                    TraceState.getDefault())));
    return this;
  }

  public Attributes attributes() {
    return attributes.build();
  }

  public Context parent() {
    return parent;
  }

  /** Starts the server span (not ended). */
  public Span start(Tracer tracer) {
    return tracer
        .spanBuilder("GET")
        .setSpanKind(SpanKind.SERVER)
        .setParent(parent)
        .setAllAttributes(attributes.build())
        .startSpan();
  }

  /** Header values as the agent stores them. */
  public static List<String> values(String... v) {
    return java.util.Arrays.asList(v);
  }
}

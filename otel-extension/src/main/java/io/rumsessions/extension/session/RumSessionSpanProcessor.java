package io.rumsessions.extension.session;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.rumsessions.extension.bots.BotDecision;
import io.rumsessions.extension.bots.BotDetector;
import io.rumsessions.extension.config.BotMode;
import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.consent.Consent;
import io.rumsessions.extension.consent.ConsentResolver;
import io.rumsessions.extension.request.RequestAttributes;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Makes a backend's spans session-aware, in {@code onStart}:
 *
 * <ul>
 *   <li>On an HTTP server span that starts the request's local trace (no parent or a remote
 *       one), reads the session id from W3C baggage, a header or a cookie, and the consent
 *       signals; with consent it sets {@code session.id}, {@code session.previous_id} and {@code
 *       consent.analytics=granted}; without, only {@code consent.analytics=denied}. In {@code
 *       mark} mode it also sets {@code user_agent.synthetic.type} and {@code rum.bot.reason} for
 *       bots and excluded paths.
 *   <li>On a span below it in the same process (if {@code child-spans}), copies those attributes
 *       from its parent span, so every span of the request carries them.
 *   <li>On every server span, blanks the request-header attributes the extension asked the agent
 *       to capture (the export path removes them entirely).
 * </ul>
 *
 * <p>Nothing is written to the context or to baggage: the id never travels to downstream services
 * through this extension.
 */
public final class RumSessionSpanProcessor implements SpanProcessor {

  private static final List<String> BLANK = Collections.emptyList();

  private final SessionResolver sessions;
  private final ConsentResolver consent;
  private final RequestKeys keys;
  private final BotDetector bots;
  private final boolean childSpans;
  @SuppressWarnings("rawtypes")
  private final AttributeKey[] redacted;

  /**
   * @param config the extension's configuration
   * @param bots the bot rules, used in {@link BotMode#MARK} only (may be null otherwise)
   * @param redactedHeaderAttributes header attributes to blank on server spans
   */
  public RumSessionSpanProcessor(
      RumSessionConfig config, BotDetector bots, Set<AttributeKey<?>> redactedHeaderAttributes) {
    this.sessions = SessionResolver.from(config);
    this.consent = new ConsentResolver(config);
    this.keys = new RequestKeys(config);
    this.bots = config.botMode() == BotMode.MARK ? bots : null;
    this.childSpans = config.childSpans();
    this.redacted = redactedHeaderAttributes.toArray(new AttributeKey[0]);
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    Span parentSpan = Span.fromContext(parentContext);
    SpanContext parent = parentSpan.getSpanContext();
    boolean localParent = parent.isValid() && !parent.isRemote();
    if (span.getKind() == SpanKind.SERVER) {
      if (!localParent) {
        onRequestStart(parentContext, span, parent.isRemote());
      } else if (childSpans && parentSpan instanceof ReadableSpan) {
        copyFromParent((ReadableSpan) parentSpan, span);
      }
      blankCapturedHeaders(span);
    } else if (childSpans && localParent && parentSpan instanceof ReadableSpan) {
      copyFromParent((ReadableSpan) parentSpan, span);
    }
  }

  private void onRequestStart(Context parentContext, ReadWriteSpan span, boolean tracedClient) {
    ServerRequest request = new ServerRequest(Baggage.fromContext(parentContext), span, keys);
    SessionIds ids = sessions.resolve(request);
    if (ids != null) {
      Consent signal =
          consent.signal(
              request.baggageConsent(),
              request.consentHeader(),
              request.consentCookie(),
              request.gpc());
      if (consent.granted(signal)) {
        span.setAttribute(SessionAttributes.SESSION_ID, ids.id());
        if (ids.previousId() != null) {
          span.setAttribute(SessionAttributes.SESSION_PREVIOUS_ID, ids.previousId());
        }
        span.setAttribute(SessionAttributes.CONSENT_ANALYTICS, Consent.GRANTED.value());
      } else {
        span.setAttribute(SessionAttributes.CONSENT_ANALYTICS, Consent.DENIED.value());
      }
    }
    if (bots != null) {
      BotDecision decision =
          bots.decide(
              RequestAttributes.userAgent(span),
              RequestAttributes.path(span),
              RequestAttributes.clientAddress(span),
              tracedClient);
      if (decision != null) {
        span.setAttribute(SessionAttributes.USER_AGENT_SYNTHETIC_TYPE, decision.syntheticType());
        span.setAttribute(SessionAttributes.BOT_REASON, decision.reason());
      }
    }
  }

  private void copyFromParent(ReadableSpan parent, ReadWriteSpan span) {
    String id = parent.getAttribute(SessionAttributes.SESSION_ID);
    if (id != null) {
      span.setAttribute(SessionAttributes.SESSION_ID, id);
      String previous = parent.getAttribute(SessionAttributes.SESSION_PREVIOUS_ID);
      if (previous != null) {
        span.setAttribute(SessionAttributes.SESSION_PREVIOUS_ID, previous);
      }
      span.setAttribute(SessionAttributes.CONSENT_ANALYTICS, Consent.GRANTED.value());
    }
    if (bots != null) {
      String reason = parent.getAttribute(SessionAttributes.BOT_REASON);
      if (reason != null) {
        span.setAttribute(
            SessionAttributes.USER_AGENT_SYNTHETIC_TYPE,
            parent.getAttribute(SessionAttributes.USER_AGENT_SYNTHETIC_TYPE));
        span.setAttribute(SessionAttributes.BOT_REASON, reason);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void blankCapturedHeaders(ReadWriteSpan span) {
    for (AttributeKey<List<String>> key : redacted) {
      if (span.getAttribute(key) != null) {
        span.setAttribute(key, BLANK);
      }
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }
}

package io.rumsessions.extension.session;

import io.opentelemetry.api.common.AttributeKey;

/** The span attributes the extension writes (OpenTelemetry semantic conventions where they exist). */
public final class SessionAttributes {

  /** The browser's session id, only with consent. */
  public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");

  /** The session id before the current one, only with consent and a current id. */
  public static final AttributeKey<String> SESSION_PREVIOUS_ID =
      AttributeKey.stringKey("session.previous_id");

  /** {@code granted} or {@code denied}: what the processor reads to trust {@code session.id}. */
  public static final AttributeKey<String> CONSENT_ANALYTICS =
      AttributeKey.stringKey("consent.analytics");

  /** {@code bot} for a bot's request, {@code test} for an excluded path (health checks). */
  public static final AttributeKey<String> USER_AGENT_SYNTHETIC_TYPE =
      AttributeKey.stringKey("user_agent.synthetic.type");

  /** Why: a rum-rules reason label ({@code user_agent_crawler}, ...) or {@code excluded_path}. */
  public static final AttributeKey<String> BOT_REASON = AttributeKey.stringKey("rum.bot.reason");

  /** Baggage entry names read from the incoming request (never written). */
  public static final String BAGGAGE_SESSION_ID = "session.id";

  public static final String BAGGAGE_SESSION_PREVIOUS_ID = "session.previous_id";
  public static final String BAGGAGE_CONSENT = "consent.analytics";

  private SessionAttributes() {}
}

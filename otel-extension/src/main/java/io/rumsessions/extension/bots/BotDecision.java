package io.rumsessions.extension.bots;

import io.rumsessions.rules.bots.BotReason;

/** Why a request is not a person's: the synthetic type to mark and the reason label. Canonical. */
public final class BotDecision {

  /** The reason label for an excluded path (health checks and configured paths). */
  public static final String EXCLUDED_PATH_LABEL = "excluded_path";

  /** An excluded path: {@code user_agent.synthetic.type=test}. */
  public static final BotDecision EXCLUDED_PATH = new BotDecision("test", EXCLUDED_PATH_LABEL);

  private static final BotDecision[] BY_REASON = new BotDecision[BotReason.values().length];

  static {
    for (BotReason r : BotReason.values()) {
      BY_REASON[r.ordinal()] = new BotDecision("bot", r.label());
    }
  }

  private final String syntheticType;
  private final String reason;

  private BotDecision(String syntheticType, String reason) {
    this.syntheticType = syntheticType;
    this.reason = reason;
  }

  /** The decision for a rum-rules reason: {@code user_agent.synthetic.type=bot}. */
  public static BotDecision of(BotReason reason) {
    return BY_REASON[reason.ordinal()];
  }

  /** {@code bot} or {@code test}. */
  public String syntheticType() {
    return syntheticType;
  }

  /** A rum-rules reason label, or {@value #EXCLUDED_PATH_LABEL}. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return syntheticType + ":" + reason;
  }
}

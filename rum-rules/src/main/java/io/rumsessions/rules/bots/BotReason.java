package io.rumsessions.rules.bots;

/**
 * Why a span, visit or session was classified as non-human. The {@link #label()} strings are the
 * values of the {@code reason} label on {@code rum_bot_spans_total}; they are stable, lowercase
 * snake_case and bounded (one per constant).
 *
 * <p>Declaration order is the order in which the layers are evaluated: the first layer that
 * matches names the reason.
 */
public enum BotReason {
  /** Layer 1: the referrer host is on the referrer-spam list. */
  REFERRER_SPAM("referrer_spam"),
  /** Layer 2: the client address is inside a configured CIDR range. */
  IP_RANGE("ip_range"),
  /** Layer 3: a producer already marked the span ({@code user_agent.synthetic.type} is set). */
  SYNTHETIC_ATTRIBUTE("synthetic_attribute"),
  /** Layer 3: the user agent is missing, blank or a placeholder such as {@code "-"}. */
  USER_AGENT_EMPTY("user_agent_empty"),
  /** Layer 3: the user agent is absurd: too long, control characters, no letters. */
  USER_AGENT_INVALID("user_agent_invalid"),
  /** Layer 3: headless browser or automation framework (HeadlessChrome, Playwright, ...). */
  USER_AGENT_AUTOMATION("user_agent_automation"),
  /** Layer 3: a crawler: the vendored crawler list, or a generic bot token (URL, "bot", ...). */
  USER_AGENT_CRAWLER("user_agent_crawler"),
  /** Layer 3: not shaped like a browser user agent (HTTP libraries, truncated strings). */
  USER_AGENT_NON_BROWSER("user_agent_non_browser"),
  /** Layer 4: the client reported an automation flag such as {@code navigator.webdriver}. */
  AUTOMATION_FLAG("automation_flag"),
  /** Layer 5: behaviour (applied by the processor, defined here so labels live in one place). */
  BEHAVIOUR("behaviour");

  private static final BotReason[] VALUES = values();

  private final String label;

  BotReason(String label) {
    this.label = label;
  }

  /** The stable metric label value, e.g. {@code "user_agent_crawler"}. */
  public String label() {
    return label;
  }

  /**
   * The reason with the given label.
   *
   * @throws IllegalArgumentException if no reason has that label
   */
  public static BotReason fromLabel(String label) {
    for (BotReason reason : VALUES) {
      if (reason.label.equals(label)) {
        return reason;
      }
    }
    throw new IllegalArgumentException("unknown bot reason label: " + label);
  }

  @Override
  public String toString() {
    return label;
  }
}

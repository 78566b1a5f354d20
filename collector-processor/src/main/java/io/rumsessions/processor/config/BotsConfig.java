package io.rumsessions.processor.config;

import java.util.List;

/**
 * Bot filtering: each layer switchable, in the order they are applied.
 *
 * @param dropSpans true drops bot spans; false forwards them marked
 *     {@code user_agent.synthetic.type=bot}
 */
public record BotsConfig(
    boolean enabled,
    boolean referrerSpam,
    List<String> ipRanges,
    boolean syntheticAttribute,
    boolean userAgent,
    boolean automationFlag,
    boolean dropSpans,
    Behaviour behaviour) {

  /**
   * Layer 5 thresholds.
   *
   * @param maxPageviewsPerSecond average pageview rate above which a session is a bot, judged
   *     once it has {@code minPageviewsForRate} pageviews
   * @param maxPageviewsWithoutInteraction more pageviews than this without any interaction is a bot
   */
  public record Behaviour(
      boolean enabled,
      double maxPageviewsPerSecond,
      int minPageviewsForRate,
      int maxPageviewsWithoutInteraction) {}
}

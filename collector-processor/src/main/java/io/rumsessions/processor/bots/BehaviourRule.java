package io.rumsessions.processor.bots;

import io.rumsessions.processor.config.BotsConfig;

/**
 * Layer 5: sessions no human produces, judged on the session aggregate as it grows. A human
 * does not load pages faster than a few per second for long, nor read hundreds of pages
 * without a single click.
 */
public final class BehaviourRule {
  public static final String REASON = "behaviour";

  private final boolean enabled;
  private final double maxPageviewsPerSecond;
  private final int minPageviewsForRate;
  private final int maxPageviewsWithoutInteraction;

  /** The rule switched off (bot filtering disabled, or a store that judges no behaviour). */
  public static BehaviourRule disabled() {
    return new BehaviourRule(new BotsConfig.Behaviour(false, 0, 2, 1));
  }

  public BehaviourRule(BotsConfig.Behaviour config) {
    this.enabled = config.enabled();
    this.maxPageviewsPerSecond = config.maxPageviewsPerSecond();
    this.minPageviewsForRate = config.minPageviewsForRate();
    this.maxPageviewsWithoutInteraction = config.maxPageviewsWithoutInteraction();
  }

  /** Whether a session with these numbers is a bot by behaviour. */
  public boolean isBot(int pageviews, int interactions, long firstNanos, long lastNanos) {
    if (!enabled) return false;
    if (interactions == 0 && pageviews > maxPageviewsWithoutInteraction) return true;
    if (pageviews < minPageviewsForRate) return false;
    double seconds = Math.max(lastNanos - firstNanos, 1) / 1e9;
    return pageviews / seconds > maxPageviewsPerSecond;
  }
}

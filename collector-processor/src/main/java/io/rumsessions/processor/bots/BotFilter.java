package io.rumsessions.processor.bots;

import io.rumsessions.processor.config.BotsConfig;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.rules.bots.BotReason;
import io.rumsessions.rules.bots.BotRules;
import io.rumsessions.rules.bots.CidrSet;
import io.rumsessions.rules.bots.ReferrerSpamList;
import io.rumsessions.rules.bots.UserAgentVerdict;

/**
 * Layers 1–4 of the bot rules applied to one span (the shared {@code rum-rules} code, the
 * same the agent extension uses), and the device label from the same cached user-agent pass.
 * Layer 5 (behaviour) needs a whole session and is not here.
 */
public final class BotFilter {
  private final BotRules rules;
  /** The same layers without the user-agent one, for spans that carry no user agent at all. */
  private final BotRules rulesWithoutUserAgent;
  private final boolean enabled;
  private final boolean dropSpans;

  private BotFilter(BotRules rules, BotRules rulesWithoutUserAgent, boolean enabled, boolean dropSpans) {
    this.rules = rules;
    this.rulesWithoutUserAgent = rulesWithoutUserAgent;
    this.enabled = enabled;
    this.dropSpans = dropSpans;
  }

  public static BotFilter from(BotsConfig c) {
    BotRules.Builder b = BotRules.builder()
        .referrerSpam(c.referrerSpam() ? ReferrerSpamList.fromBundledList() : null)
        .ipRanges(c.ipRanges().isEmpty() ? null : CidrSet.parse(c.ipRanges()))
        .syntheticAttribute(c.syntheticAttribute())
        .userAgentRules(c.userAgent())
        .automationFlag(c.automationFlag());
    BotRules full = b.build();
    BotRules withoutUserAgent = b.userAgentRules(false).syntheticAttribute(c.syntheticAttribute()).build();
    return new BotFilter(full, withoutUserAgent, c.enabled(), c.dropSpans());
  }

  /**
   * The reason label if this span shows a bot, else null. A span without a user agent is not
   * an empty user agent: the OpenTelemetry web SDK puts it on documentLoad spans only, so the
   * user-agent layer judges the spans that have one and the session carries the verdict.
   */
  public String reason(SpanFacts f, String userAgent, String clientAddress) {
    if (!enabled) return null;
    BotReason r = (userAgent == null ? rulesWithoutUserAgent : rules).evaluate(userAgent, f.referrer, clientAddress, f.syntheticType,
        BotRules.isFlagSet(f.automationFlag));
    return r == null ? null : r.label();
  }

  /** The device label for a user agent; null when there is none to judge by. */
  public String device(String userAgent) {
    if (userAgent == null) return null;
    UserAgentVerdict v = rules.userAgentVerdict(userAgent);
    return v.device().label();
  }

  /** Whether bot spans are dropped instead of forwarded with a bot mark. */
  public boolean dropsSpans() {
    return dropSpans;
  }
}

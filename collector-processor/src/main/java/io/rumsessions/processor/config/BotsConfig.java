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
    boolean dropSpans) {}

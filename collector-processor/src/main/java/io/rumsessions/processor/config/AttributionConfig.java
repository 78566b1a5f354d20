package io.rumsessions.processor.config;

import io.rumsessions.processor.attribution.ConversionRules;
import java.nio.file.Path;
import java.util.List;

/**
 * Campaign attribution and conversions.
 *
 * @param registry the campaign registry YAML written by {@code rum-sessions utm build}; its
 *     sources, mediums and campaigns are always label values (a missing file is an empty one)
 * @param maxLabelValues other distinct values admitted per dimension before {@code other}
 * @param sameSiteDomains further hosts whose referrers count as the site itself
 * @param conversions the parsed conversion rules
 * @param lastNonDirect GA4's last non-direct attribution for consented visitors with a user.id
 */
public record AttributionConfig(
    Path registry,
    int maxLabelValues,
    List<String> sameSiteDomains,
    ConversionRules conversions,
    LastNonDirectConfig lastNonDirect) {

  /**
   * @param lookback how long a non-direct visit is remembered (GA4: 90 days)
   * @param maxVisitors visitors remembered at most, the least recently seen dropped first
   */
  public record LastNonDirectConfig(boolean enabled, java.time.Duration lookback, int maxVisitors) {}
}

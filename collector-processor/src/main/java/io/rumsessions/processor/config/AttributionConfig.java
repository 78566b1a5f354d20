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
 */
public record AttributionConfig(
    Path registry,
    int maxLabelValues,
    List<String> sameSiteDomains,
    ConversionRules conversions) {}

package io.rumsessions.processor.config;

import java.time.Duration;

/**
 * Unique-visitor estimates and new vs returning sessions.
 *
 * @param lgK log2 of the HLL sketches' register count: the error bound (lgK 12: about 1.6 %
 *     relative standard error) against memory (at most 2^lgK bytes a sketch)
 * @param lookbackDays how far back a consented visitor counts as returning, and the longest
 *     window estimated (7 and 30 days when the lookback allows them)
 * @param dailyVisitors consented visitors a day (all services together) the returning filter is
 *     sized for; beyond it, more new visitors are taken for returning ones
 * @param falseReturning the chance, at {@code dailyVisitors} a day, that a new visitor is taken
 *     for a returning one (over the whole lookback)
 * @param saveInterval how often the sketches are written to {@code state.dir} besides shutdown;
 *     zero: at shutdown only
 */
public record VisitorsConfig(
    boolean enabled,
    int lgK,
    int lookbackDays,
    long dailyVisitors,
    double falseReturning,
    Duration saveInterval) {}

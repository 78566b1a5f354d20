package io.rumsessions.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BounceAndEngagementRulesTest {
  static final long S = 1_000_000_000L;
  final EngagementRule engagement = new EngagementRule(Duration.ofSeconds(10));

  static SessionSummary session(int pageviews, int interactions, long durationNanos) {
    return new SessionSummary("shop", "id", 0, durationNanos, pageviews, interactions, pageviews + interactions,
        "/", "/", "desktop", "direct", EndReason.INACTIVITY, null, null, 0, 0, null, 0);
  }

  @Test
  void onePageviewWithoutInteractionIsABounce() {
    assertThat(BounceRule.isBounce(session(1, 0, 30 * S))).isTrue();
  }

  @Test
  void anInteractionOnTheOnlyPageIsNotABounce() {
    assertThat(BounceRule.isBounce(session(1, 1, 0))).isFalse();
  }

  @Test
  void twoPageviewsAreNotABounce() {
    assertThat(BounceRule.isBounce(session(2, 0, 0))).isFalse();
  }

  @Test
  void engagedAtExactlyTenSeconds() {
    assertThat(engagement.isEngaged(session(1, 0, 10 * S), 0)).isTrue();
    assertThat(engagement.isEngaged(session(1, 0, 10 * S - 1), 0)).isFalse();
  }

  @Test
  void engagedByTwoPageviewsOrAConversion() {
    assertThat(engagement.isEngaged(session(2, 0, 0), 0)).isTrue();
    assertThat(engagement.isEngaged(session(1, 0, 0), 1)).isTrue();
  }
}

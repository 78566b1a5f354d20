package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class LastNonDirectTest {
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final long LOOKBACK = 90 * DAY;
  private static final Attribution EMAIL = new Attribution("newsletter", "email", "winter", Attribution.NOT_SET, Attribution.NOT_SET, Channel.EMAIL);
  private static final Attribution CPC = new Attribution("google", "cpc", "brand", Attribution.NOT_SET, Attribution.NOT_SET, Channel.PAID_SEARCH);
  private static final Attribution ORGANIC = new Attribution("google", "organic", "(organic)", Attribution.NOT_SET, Attribution.NOT_SET, Channel.ORGANIC_SEARCH);

  /** A visit of the same visitor: when (days after the first), with which own attribution, and what its session takes. */
  record Visit(double day, Attribution own, Attribution takes) {}

  record Case(String name, List<Visit> visits) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> cases() {
    Attribution direct = Attribution.direct();
    return List.of(
        new Case("a direct visit with nothing before stays direct", List.of(new Visit(0, direct, direct))),
        new Case("a direct visit after a campaign takes the campaign", List.of(new Visit(0, EMAIL, EMAIL), new Visit(3, direct, EMAIL))),
        new Case("the latest non-direct wins", List.of(new Visit(0, EMAIL, EMAIL), new Visit(1, ORGANIC, ORGANIC), new Visit(2, direct, ORGANIC))),
        new Case("direct visits never overwrite", List.of(new Visit(0, CPC, CPC), new Visit(1, direct, CPC), new Visit(2, direct, CPC))),
        new Case("exactly at the lookback it still counts", List.of(new Visit(0, EMAIL, EMAIL), new Visit(90, direct, EMAIL))),
        new Case("past the lookback it is direct again", List.of(new Visit(0, EMAIL, EMAIL), new Visit(90.001, direct, direct))),
        new Case("a non-direct visit keeps its own", List.of(new Visit(0, EMAIL, EMAIL), new Visit(1, CPC, CPC))),
        new Case("the lookback runs from the last non-direct visit", List.of(new Visit(0, EMAIL, EMAIL), new Visit(60, CPC, CPC), new Visit(120, direct, CPC))));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aVisitorsSessionsTakeWhatGa4sLastNonDirectRuleSays(Case c) {
    LastNonDirect table = new LastNonDirect(LOOKBACK, 100);
    for (Visit v : c.visits()) {
      long now = (long) (v.day() * DAY);
      Attribution own = v.own();
      Attribution took = LastNonDirect.isNonDirect(own) ? own : table.resolve(42L, own, now);
      if (LastNonDirect.isNonDirect(own)) table.remember(42L, own, now);
      assertThat(took).as("day %s", v.day()).isEqualTo(v.takes());
    }
  }

  @Test
  void visitorsAreKeptApart() {
    LastNonDirect table = new LastNonDirect(LOOKBACK, 100);
    table.remember(1L, EMAIL, 0);
    assertThat(table.resolve(2L, Attribution.direct(), DAY)).isEqualTo(Attribution.direct());
    assertThat(table.resolve(1L, Attribution.direct(), DAY)).isEqualTo(EMAIL);
  }

  @Test
  void theLeastRecentlyRememberedVisitorGoesFirstWhenFull() {
    LastNonDirect table = new LastNonDirect(LOOKBACK, 2);
    table.remember(1L, EMAIL, 0);
    table.remember(2L, CPC, 1);
    table.remember(1L, ORGANIC, 2); // visitor 1 remembered again: now the most recent
    table.remember(3L, EMAIL, 3);
    assertThat(table.size()).isEqualTo(2);
    assertThat(table.resolve(2L, Attribution.direct(), 4)).isEqualTo(Attribution.direct());
    assertThat(table.resolve(1L, Attribution.direct(), 4)).isEqualTo(ORGANIC);
    assertThat(table.resolve(3L, Attribution.direct(), 4)).isEqualTo(EMAIL);
  }

  @Test
  void restoringKeepsOrderAndDropsWhatThePassingTimeExpired() {
    LastNonDirect table = new LastNonDirect(LOOKBACK, 2);
    table.remember(1L, EMAIL, 0);
    table.remember(2L, CPC, 50 * DAY);
    LastNonDirect again = new LastNonDirect(LOOKBACK, 2);
    again.restore(table.save(), 95 * DAY);
    assertThat(again.size()).isEqualTo(1);
    assertThat(again.resolve(2L, Attribution.direct(), 95 * DAY)).isEqualTo(CPC);
  }
}

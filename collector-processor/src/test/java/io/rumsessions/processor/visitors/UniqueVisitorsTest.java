package io.rumsessions.processor.visitors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.snapshot.VisitorsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UniqueVisitorsTest {
  static final long DAY = 86_400_000L;
  static final long DAY0 = LocalDate.of(2026, 11, 1).toEpochDay() * DAY;
  static final int LG_K = 12;
  /** Three standard errors: a correct sketch falls outside it about once in 370 runs. */
  static final double DAY_BOUND = 3 * UniqueVisitors.relativeStandardError(LG_K, false);
  static final double UNION_BOUND = 3 * UniqueVisitors.relativeStandardError(LG_K, true);

  static VisitorsConfig config() {
    return new VisitorsConfig(true, LG_K, 30, 100_000, 0.01, Duration.ZERO);
  }

  static UniqueVisitors utc() {
    return new UniqueVisitors(config(), new SiteCalendar(ZoneOffset.UTC));
  }

  static double estimate(UniqueVisitors v, String service, String window, String population, long now) {
    return v.estimates(now).stream()
        .filter(e -> e.service().equals(service) && e.window().equals(window) && e.population().equals(population))
        .mapToDouble(e -> Math.round(e.visitors())).findFirst().orElseThrow();
  }

  /** A cookie-free id as the identity layer makes them: 32 hex digits of an HMAC. */
  static String cookieFree(Random r) {
    byte[] b = new byte[16];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Test
  void tenThousandCookieFreeVisitorsWithRepeatsAreEstimatedWithinTheBound() {
    UniqueVisitors v = utc();
    Random r = new Random(1);
    String[] ids = new String[10_000];
    for (int i = 0; i < ids.length; i++) ids[i] = cookieFree(r);
    // Each visitor comes back for 1 to 4 sessions, interleaved.
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < ids.length; i++) {
        if (i % 4 >= round) {
          assertThat(v.sessionStarted("shop", VisitorKey.daily(ids[i]), DAY0 + 3_600_000L + round))
              .isEqualTo(VisitorType.UNIDENTIFIED);
        }
      }
    }
    long now = DAY0 + 20 * 3_600_000L;
    assertThat(estimate(v, "shop", "1d", "all", now)).isCloseTo(10_000, within(10_000 * DAY_BOUND));
    // Cookie-free visitors never reach a consented window, however many days they come.
    assertThat(estimate(v, "shop", "7d", "consented", now)).isZero();
    assertThat(estimate(v, "shop", "30d", "consented", now)).isZero();
  }

  @Test
  void oneMillionConsentedVisitorsOverThirtyDays() {
    UniqueVisitors v = utc();
    int population = 1_000_000;
    long[] perDay = new long[30];
    boolean[][] seen = new boolean[30][];
    // Visitor i comes on day i % 30 and again on day (7i + 3) % 30: two sessions, possibly one day.
    int wronglyReturning = 0;
    int firstVisits = 0;
    for (int day = 0; day < 30; day++) {
      for (int i = 0; i < population; i++) {
        int first = i % 30;
        int second = (7 * i + 3) % 30;
        if (first != day && second != day) continue;
        VisitorType t = v.sessionStarted("shop", VisitorKey.persistent("user-" + i), DAY0 + day * DAY + 1000);
        if (day == Math.min(first, second)) {
          firstVisits++;
          if (t == VisitorType.RETURNING) wronglyReturning++;
        } else {
          assertThat(t).as("a visitor's second session is returning, always").isEqualTo(VisitorType.RETURNING);
        }
        if (first == day && second == day) {
          // Both visits on one day: the second session the same day is returning too.
          assertThat(v.sessionStarted("shop", VisitorKey.persistent("user-" + i), DAY0 + day * DAY + 2000))
              .isEqualTo(VisitorType.RETURNING);
        }
      }
    }
    assertThat(firstVisits).isEqualTo(population);
    // Configured: at most 1 % of new visitors taken for returning ones at the sized volume.
    assertThat((double) wronglyReturning / population).isLessThan(0.01);

    long now = DAY0 + 29 * DAY + 5000;
    assertThat(estimate(v, "shop", "30d", "consented", now)).isCloseTo(population, within(population * UNION_BOUND));
    int inWeek = 0;
    int today = 0;
    for (int i = 0; i < population; i++) {
      int first = i % 30;
      int second = (7 * i + 3) % 30;
      if (first >= 23 || second >= 23) inWeek++;
      if (first == 29 || second == 29) today++;
    }
    assertThat(estimate(v, "shop", "7d", "consented", now)).isCloseTo(inWeek, within(inWeek * UNION_BOUND));
    assertThat(estimate(v, "shop", "1d", "consented", now)).isCloseTo(today, within(today * DAY_BOUND));
    assertThat(estimate(v, "shop", "1d", "all", now)).isCloseTo(today, within(today * DAY_BOUND));
  }

  @Test
  void theDayWindowStartsAtTheSitesMidnight() {
    ZoneId newYork = ZoneId.of("America/New_York");
    UniqueVisitors v = new UniqueVisitors(config(), new SiteCalendar(newYork));
    long lateEvening = LocalDate.of(2026, 11, 2).atTime(23, 30).atZone(newYork).toInstant().toEpochMilli();
    long afterMidnight = lateEvening + 3_600_000L; // 00:30 New York, still 2026-11-03 in UTC throughout
    v.sessionStarted("shop", VisitorKey.persistent("a"), lateEvening);
    v.sessionStarted("shop", VisitorKey.persistent("b"), lateEvening);
    assertThat(estimate(v, "shop", "1d", "all", lateEvening)).isEqualTo(2);
    assertThat(v.sessionStarted("shop", VisitorKey.persistent("a"), afterMidnight)).isEqualTo(VisitorType.RETURNING);
    assertThat(estimate(v, "shop", "1d", "all", afterMidnight)).isEqualTo(1);
    assertThat(estimate(v, "shop", "7d", "consented", afterMidnight)).isEqualTo(2);
  }

  @Test
  void yesterdaysVisitorsLeaveTheDayWindowAndOldDaysLeaveTheLookback() {
    UniqueVisitors v = utc();
    v.sessionStarted("shop", VisitorKey.persistent("a"), DAY0);
    v.sessionStarted("shop", VisitorKey.daily("00112233445566778899aabbccddeeff"), DAY0);
    assertThat(estimate(v, "shop", "1d", "all", DAY0 + DAY)).isZero();
    assertThat(estimate(v, "shop", "7d", "consented", DAY0 + 6 * DAY)).isEqualTo(1);
    assertThat(estimate(v, "shop", "7d", "consented", DAY0 + 7 * DAY)).isZero();
    assertThat(estimate(v, "shop", "30d", "consented", DAY0 + 29 * DAY)).isEqualTo(1);
    assertThat(estimate(v, "shop", "30d", "consented", DAY0 + 30 * DAY)).isZero();
    // Past the lookback, the visitor is new again.
    assertThat(v.sessionStarted("shop", VisitorKey.persistent("a"), DAY0 + 30 * DAY)).isEqualTo(VisitorType.NEW);
  }

  @Test
  void servicesAreCountedApart() {
    UniqueVisitors v = utc();
    assertThat(v.sessionStarted("shop", VisitorKey.persistent("a"), DAY0)).isEqualTo(VisitorType.NEW);
    assertThat(v.sessionStarted("blog", VisitorKey.persistent("a"), DAY0)).isEqualTo(VisitorType.NEW);
    assertThat(v.sessionStarted("blog", VisitorKey.persistent("a"), DAY0 + 1)).isEqualTo(VisitorType.RETURNING);
    assertThat(estimate(v, "shop", "1d", "all", DAY0)).isEqualTo(1);
    assertThat(estimate(v, "blog", "1d", "all", DAY0)).isEqualTo(1);
  }

  @Test
  void theReturningFilterReportsItsLoad() {
    UniqueVisitors v = new UniqueVisitors(new VisitorsConfig(true, LG_K, 30, 1000, 0.01, Duration.ZERO),
        new SiteCalendar(ZoneOffset.UTC));
    for (int i = 0; i < 500; i++) v.sessionStarted("shop", VisitorKey.persistent("u" + i), DAY0);
    for (int i = 0; i < 500; i++) v.sessionStarted("shop", VisitorKey.persistent("u" + i), DAY0 + 1);
    assertThat(v.returningFilterLoad(DAY0 + 2)).isCloseTo(0.5, within(0.01));
    assertThat(v.returningFilterLoad(DAY0 + DAY)).isZero();
  }

  @Test
  void savedSketchesRestoreMergeOnceAndHoldNoIds(@TempDir Path dir) throws Exception {
    UniqueVisitors before = utc();
    for (int i = 0; i < 5000; i++) before.sessionStarted("shop", VisitorKey.persistent("person-" + i + "@mail.example"), DAY0 + i);
    VisitorsFile file = new VisitorsFile(dir);
    file.write(before);
    long now = DAY0 + DAY / 2;

    UniqueVisitors after = utc();
    assertThat(file.readInto(after, now)).isTrue();
    for (String w : new String[] {"1d", "7d", "30d"}) {
      assertThat(estimate(after, "shop", w, "consented", now)).isEqualTo(estimate(before, "shop", w, "consented", now));
    }
    assertThat(estimate(after, "shop", "1d", "all", now)).isEqualTo(estimate(before, "shop", "1d", "all", now));
    assertThat(file.readInto(after, now)).isTrue();
    for (String w : new String[] {"1d", "7d", "30d"}) {
      assertThat(estimate(after, "shop", w, "consented", now)).as("a union: reading twice counts nobody twice")
          .isCloseTo(5000, within(5000 * UNION_BOUND));
    }
    assertThat(after.sessionStarted("shop", VisitorKey.persistent("person-42@mail.example"), now)).isEqualTo(VisitorType.RETURNING);
    assertThat(after.sessionStarted("shop", VisitorKey.persistent("someone-else"), now)).isEqualTo(VisitorType.NEW);

    String bytes = new String(Files.readAllBytes(file.path()), StandardCharsets.ISO_8859_1);
    assertThat(bytes).doesNotContain("person-").doesNotContain("mail.example");

    // Tomorrow, the saved "today" is no longer today; the consented days are still in the lookback.
    UniqueVisitors tomorrow = utc();
    file.readInto(tomorrow, DAY0 + DAY);
    assertThat(estimate(tomorrow, "shop", "1d", "all", DAY0 + DAY)).isZero();
    assertThat(estimate(tomorrow, "shop", "7d", "consented", DAY0 + DAY)).isCloseTo(5000, within(5000 * UNION_BOUND));
  }

  @Test
  void aCorruptFileIsAClearError(@TempDir Path dir) throws Exception {
    VisitorsFile file = new VisitorsFile(dir);
    Files.write(file.path(), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> file.readInto(utc(), DAY0))
        .hasMessageContaining("not a rum-sessions visitor file");
  }
}

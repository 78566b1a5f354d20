package io.rumsessions.processor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.input.SpanFacts.Consent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisitorIdentityTest {
  static final String UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/141.0.0.0 Safari/537.36";
  static final long DAY = 86_400_000L;
  /** 2026-11-28T23:59:00Z */
  static final long BEFORE_MIDNIGHT = 20_420 * DAY + DAY - 60_000;

  @TempDir Path dir;
  final Set<String> active = new HashSet<>();

  static ConsentConfig consent(Map<String, String> o) {
    return ConfigLoader.load(null, o).consent();
  }

  VisitorIdentity identity(ConsentConfig c, DailySalts salts) {
    return identity(c, salts, java.time.ZoneOffset.UTC);
  }

  VisitorIdentity identity(ConsentConfig c, DailySalts salts, java.time.ZoneId zone) {
    return new VisitorIdentity(c, new CookieFreeId(salts), (service, id) -> active.contains(id),
        new io.rumsessions.processor.calendar.SiteCalendar(zone));
  }

  static RequestContext ctx(Consent header, boolean gpc, boolean dnt) {
    return new RequestContext("http", "198.51.100.4", UA, header, gpc, dnt);
  }

  static String host(SpanFacts f) {
    return io.rumsessions.processor.input.PageUrl.host(f.url);
  }

  static SpanFacts span(String clientId, String url) {
    SpanFacts f = new SpanFacts();
    f.clientSessionId = clientId;
    f.url = url;
    return f;
  }

  @Test
  void unknownConsentIsDeniedByDefault() {
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    assertThat(id.granted(Consent.UNKNOWN, ctx(Consent.UNKNOWN, false, false))).isFalse();
    assertThat(identity(consent(Map.of("consent.default", "granted")), new DailySalts(new SecureRandom(), (java.nio.file.Path) null))
        .granted(Consent.UNKNOWN, ctx(Consent.UNKNOWN, false, false))).isTrue();
  }

  @Test
  void globalPrivacyControlDeniesWhateverElseSays() {
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    assertThat(id.granted(Consent.GRANTED, ctx(Consent.GRANTED, true, false))).isFalse();
    VisitorIdentity ignoring = identity(consent(Map.of("consent.honor-gpc", "false")), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    assertThat(ignoring.granted(Consent.GRANTED, ctx(Consent.UNKNOWN, true, false))).isTrue();
  }

  @Test
  void theSpanAttributeBeatsTheHeaderWhichBeatsDoNotTrack() {
    VisitorIdentity id = identity(consent(Map.of("consent.honor-dnt", "true")), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    assertThat(id.granted(Consent.DENIED, ctx(Consent.GRANTED, false, false))).isFalse();
    assertThat(id.granted(Consent.UNKNOWN, ctx(Consent.GRANTED, false, true))).isTrue();
    assertThat(id.granted(Consent.UNKNOWN, ctx(Consent.UNKNOWN, false, true))).isFalse();
    VisitorIdentity dntOff = identity(consent(Map.of("consent.default", "granted")), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    assertThat(dntOff.granted(Consent.UNKNOWN, ctx(Consent.UNKNOWN, false, true))).isTrue();
  }

  @Test
  void withConsentTheClientIdIsTheKeyWithoutItTheCookieFreeId() {
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    SpanFacts f = span("client-1", "https://shop.example/");
    assertThat(id.keyFor(f, true, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isEqualTo("client-1");
    String cookieFree = id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT);
    assertThat(cookieFree).matches("[0-9a-f]{32}").isNotEqualTo("client-1");
    assertThat(id.keyFor(span(null, "https://shop.example/"), true, "shop", UA, "198.51.100.4", host(span(null, "https://shop.example/")), BEFORE_MIDNIGHT)).isEqualTo(cookieFree);
  }

  @Test
  void theCookieFreeIdSeparatesUserAgentsAddressesServicesAndHosts() {
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    SpanFacts f = span(null, "https://shop.example/");
    String base = id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT);
    assertThat(id.keyFor(f, false, "shop", UA + "x", "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isNotEqualTo(base);
    assertThat(id.keyFor(f, false, "shop", UA, "198.51.100.5", host(f), BEFORE_MIDNIGHT)).isNotEqualTo(base);
    assertThat(id.keyFor(f, false, "blog", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isNotEqualTo(base);
    assertThat(id.keyFor(span(null, "https://other.example/"), false, "shop", UA, "198.51.100.4", host(span(null, "https://other.example/")), BEFORE_MIDNIGHT)).isNotEqualTo(base);
    // Length prefixes: moving a character from one field to the next changes the id.
    assertThat(id.keyFor(f, false, "shop", "ab", "c", host(f), BEFORE_MIDNIGHT)).isNotEqualTo(id.keyFor(f, false, "shop", "a", "bc", host(f), BEFORE_MIDNIGHT));
  }

  @Test
  void theSaltRotatesAtMidnightButAnOpenSessionStaysWhole() {
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null));
    SpanFacts f = span(null, "https://shop.example/");
    String evening = id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT);
    long afterMidnight = BEFORE_MIDNIGHT + 120_000;
    String nextDay = id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), afterMidnight);
    assertThat(nextDay).isNotEqualTo(evening);
    active.add(evening);
    assertThat(id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), afterMidnight)).isEqualTo(evening);
  }

  @Test
  void theSaltTurnsAtTheSitesMidnightSoTheIdLastsTheSitesCalendarDay() {
    java.time.ZoneId newYork = java.time.ZoneId.of("America/New_York");
    VisitorIdentity id = identity(consent(Map.of()), new DailySalts(new SecureRandom(), (java.nio.file.Path) null), newYork);
    SpanFacts f = span(null, "https://shop.example/");
    long evening = java.time.LocalDate.of(2026, 11, 27).atTime(18, 30).atZone(newYork).toInstant().toEpochMilli();
    long lateEvening = evening + 5 * 3_600_000L; // 23:30 New York: 04:30 UTC the next day
    long afterMidnight = lateEvening + 3_600_000L; // 00:30 New York
    String early = id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), evening);
    assertThat(id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), lateEvening))
        .as("UTC midnight passed, the site's did not").isEqualTo(early);
    assertThat(id.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), afterMidnight)).isNotEqualTo(early);
  }

  @Test
  void saltsOlderThanYesterdayAreDeletedFromMemoryAndDisk() throws Exception {
    DailySalts salts = new DailySalts(new SecureRandom(), dir);
    long day = BEFORE_MIDNIGHT / DAY;
    assertThat(salts.forDay(day)).hasSize(16);
    assertThat(salts.forDay(day + 1)).hasSize(16);
    assertThat(dir.resolve("salt-" + day)).exists();
    assertThat(salts.forDay(day + 2)).hasSize(16);
    assertThat(dir.resolve("salt-" + day)).doesNotExist();
    assertThat(salts.forDay(day)).isNull();
    assertThat(salts.forDay(day + 1)).isNotNull();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("salt-" + (day + 1), "salt-" + (day + 2));
    }
  }

  @Test
  void twoProcessorsSharingASaltDirectoryDeriveTheSameIdAndSoDoesARestart() {
    SpanFacts f = span(null, "https://shop.example/");
    VisitorIdentity a = identity(consent(Map.of()), new DailySalts(new SecureRandom(), dir));
    VisitorIdentity b = identity(consent(Map.of()), new DailySalts(new SecureRandom(), dir));
    String fromA = a.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT);
    assertThat(b.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isEqualTo(fromA);
    VisitorIdentity restarted = identity(consent(Map.of()), new DailySalts(new SecureRandom(), dir));
    assertThat(restarted.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isEqualTo(fromA);
    VisitorIdentity elsewhere = identity(consent(Map.of()), new DailySalts(new SecureRandom(), dir.resolve("other")));
    assertThat(elsewhere.keyFor(f, false, "shop", UA, "198.51.100.4", host(f), BEFORE_MIDNIGHT)).isNotEqualTo(fromA);
  }

  @Test
  void aVisitorsSpansShareAPartitionWhateverTheirAgentAndSalt() {
    int n = 12;
    // Without consent (or without a client id): service, address and host, not the agent.
    int p = VisitorIdentity.partitionOf(false, "abc", "shop", "203.0.113.9", "shop.example", n);
    assertThat(VisitorIdentity.partitionOf(false, "other-id", "shop", "203.0.113.9", "shop.example", n)).isEqualTo(p);
    assertThat(VisitorIdentity.partitionOf(true, null, "shop", "203.0.113.9", "shop.example", n)).isEqualTo(p);
    // With consent and a client id: the id alone, wherever the visitor's address moves.
    int q = VisitorIdentity.partitionOf(true, "abc", "shop", "203.0.113.9", "shop.example", n);
    assertThat(VisitorIdentity.partitionOf(true, "abc", "shop", "198.51.100.4", "shop.example", n)).isEqualTo(q);
    // Spread evenly: 12,000 addresses over 12 partitions, each within a fifth of its share.
    int[] count = new int[n];
    for (int i = 0; i < 12_000; i++) count[VisitorIdentity.partitionOf(false, null, "shop", "10.0." + (i >> 8) + "." + (i & 255), "shop.example", n)]++;
    for (int c : count) assertThat(c).isBetween(800, 1200);
  }
}

package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.rumsessions.rules.corpus.Corpus;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The vendored data files: present, well-formed, and every pattern compiles. */
class BundledListsTest {

  private static final List<String> PATTERNS =
      BundledLists.lines(BundledLists.CRAWLER_PATTERNS, true, false);

  @Test
  void everyVendoredCrawlerPatternCompiles() {
    assertThat(PATTERNS).hasSizeGreaterThan(1000);
    for (String pattern : PATTERNS) {
      assertThatCode(() -> Pattern.compile(pattern)).as(pattern).doesNotThrowAnyException();
    }
  }

  @Test
  void everyExclusionNamesAVendoredPattern() {
    List<String> exclusions = BundledLists.lines(BundledLists.CRAWLER_EXCLUSIONS, true, false);
    assertThat(exclusions).isNotEmpty();
    assertThat(PATTERNS).containsAll(exclusions);
    assertThat(UserAgentClassifier.bundledCrawlerPatternCount())
        .isEqualTo(PATTERNS.size() - exclusions.size());
  }

  @Test
  void crawlerPatternsKeepSignificantWhitespace() {
    assertThat(PATTERNS).contains("webmon ", " DVbot");
  }

  @Test
  void everyAutomationMarkerIsAUniqueLowercaseLiteral() {
    List<String> markers = BundledLists.lines(BundledLists.AUTOMATION_MARKERS, true, true);
    assertThat(markers).contains("headless", "phantomjs", "selenium", "playwright", "puppeteer",
        "cypress/", "lighthouse");
    assertThat(new HashSet<>(markers)).hasSameSizeAs(markers);
    for (String marker : markers) {
      assertThat(marker).isEqualTo(marker.toLowerCase(java.util.Locale.ROOT));
    }
  }

  @Test
  void everyReferrerSpamEntryIsAHostName() {
    List<String> hosts = BundledLists.lines(BundledLists.REFERRER_SPAMMERS, false, true);
    assertThat(hosts).hasSizeGreaterThan(2000);
    assertThatCode(() -> ReferrerSpamList.of(hosts)).doesNotThrowAnyException();
  }

  @Test
  void pureLiteralPatternsMatchTheirOwnLiteral() {
    for (String pattern : PATTERNS) {
      List<CrawlerPatternSet.RequiredLiteral> literals =
          CrawlerPatternSet.RequiredLiteral.of(pattern);
      if (literals == null) {
        continue;
      }
      Pattern compiled = Pattern.compile(pattern);
      for (CrawlerPatternSet.RequiredLiteral literal : literals) {
        if (literal.wholeAlternative) {
          assertThat(compiled.matcher(literal.text).find()).as(pattern).isTrue();
        }
      }
    }
  }

  @Test
  void literalPrefilterFindsExactlyWhatEveryRegexFinds() {
    CrawlerPatternSet set = CrawlerPatternSet.compile(PATTERNS);
    int matched = 0;
    for (String ua : Corpus.allUserAgents()) {
      String fast = set.firstMatch(ua);
      String slow = set.firstMatchBruteForce(ua);
      assertThat(fast != null).as(ua).isEqualTo(slow != null);
      if (fast != null) {
        matched++;
      }
    }
    assertThat(matched).isGreaterThan(1000);
  }

  @Test
  void requiredLiteralsFollowTheRegexSyntax() {
    assertThat(texts("Googlebot\\/")).containsExactly("Googlebot/");
    assertThat(texts("AdsBot-Google([^-]|$)")).containsExactly("AdsBot-Google");
    assertThat(texts("[wW]get")).containsExactly("get");
    assertThat(texts("Automaton|Newsify Feed Fetcher"))
        .containsExactly("Automaton", "Newsify Feed Fetcher");
    assertThat(texts("Spider[\\s\\S]*spider\\.com")).containsExactly("spider.com");
    assertThat(texts("BlogTraffic\\/\\d\\.\\d+ Feed-Fetcher")).containsExactly(" Feed-Fetcher");
    assertThat(texts("https?:x")).containsExactly("http");
    assertThat(CrawlerPatternSet.RequiredLiteral.of("^.*$")).isNull();
    assertThat(CrawlerPatternSet.RequiredLiteral.of("a|[bc]")).isNull();
  }

  private static List<String> texts(String pattern) {
    return CrawlerPatternSet.RequiredLiteral.of(pattern).stream().map(l -> l.text).toList();
  }
}

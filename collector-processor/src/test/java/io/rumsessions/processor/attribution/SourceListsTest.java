package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SourceListsTest {
  private final SourceLists lists = SourceLists.bundled();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "null", textBlock = """
      www.google.com,          google,      SEARCH
      google.co.uk,            google,      SEARCH
      images.google.de,        google,      SEARCH
      google.com.br,           google,      SEARCH
      mail.google.com,         gmail,       EMAIL
      docs.google.com,         null,        null
      google.example.com,      null,        null
      cn.bing.com,             bing,        SEARCH
      search.yahoo.co.jp,      yahoo,       SEARCH
      mail.yahoo.com,          yahoo-mail,  EMAIL
      ya.ru,                   yandex,      SEARCH
      yandex.com.tr,           yandex,      SEARCH
      mail.yandex.ru,          yandex-mail, EMAIL
      l.facebook.com,          facebook,    SOCIAL
      lm.facebook.com,         facebook,    SOCIAL
      t.co,                    twitter,     SOCIAL
      lnkd.in,                 linkedin,    SOCIAL
      old.reddit.com,          reddit,      SOCIAL
      m.youtube.com,           youtube,     VIDEO
      youtu.be,                youtube,     VIDEO
      smile.amazon.co.uk,      amazon,      SHOPPING
      shopping.google.com,     google-shopping, SHOPPING
      outlook.office.com,      outlook,     EMAIL
      com.google.android.gm,   gmail,       EMAIL
      notfacebook.com,         null,        null
      facebook.com.evil.example, null,      null
      example.org,             null,        null
      '',                      null,        null
      """)
  void hostsMatchTheMostSpecificEntryOnLabelBoundaries(String host, String name, SourceCategory category) {
    KnownSource k = lists.lookupHost(host);

    if (name == null) {
      assertThat(k).isNull();
    } else {
      assertThat(k).isEqualTo(new KnownSource(name, category));
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(textBlock = """
      google,                    google
      fb,                        facebook
      ig,                        instagram
      x,                         twitter
      yt,                        youtube
      facebook.com,              facebook
      www.facebook.com,          facebook
      https://l.facebook.com/x,  facebook
      partner.example,           partner.example
      https://www.partner.example/p, partner.example
      newsletter,                newsletter
      google ads,                google ads
      """)
  void sourceValuesAreCanonicalised(String value, String canonical) {
    assertThat(lists.canonicalSource(value)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @EnumSource(SourceCategory.class)
  void everyDataFileNamesItsSourcesAndDateAndHasEntries(SourceCategory category) throws IOException {
    String text;
    try (InputStream in = SourceLists.class.getResourceAsStream(category.resource())) {
      assertThat(in).as(category.resource()).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String header = text.substring(0, text.indexOf("\n\n"));
    assertThat(header).contains("Sources").contains("2026-11-28");
    assertThat(lists.sizes().get(category)).isGreaterThanOrEqualTo(15);
    assertThat(lists.names(category)).isNotEmpty();
  }

  @Test
  void publicSuffixHeuristicAcceptsTldsAndCountrySecondLevelOnly() {
    assertThat(SourceLists.isPublicSuffixLike("google.de", 7)).isTrue();
    assertThat(SourceLists.isPublicSuffixLike("google.co.uk", 7)).isTrue();
    assertThat(SourceLists.isPublicSuffixLike("google.com.au", 7)).isTrue();
    assertThat(SourceLists.isPublicSuffixLike("google.example.com", 7)).isFalse();
    assertThat(SourceLists.isPublicSuffixLike("google.co.uk.evil", 7)).isFalse();
    assertThat(SourceLists.isPublicSuffixLike("google.c0m", 7)).isFalse();
  }

  @Test
  void malformedOrConflictingEntriesAreRejectedWithTheLine() {
    assertThatThrownBy(() -> SourceLists.builder().add(SourceCategory.SEARCH, "# h\nfoo.com\n", "t.txt"))
        .hasMessageContaining("t.txt:2").hasMessageContaining("expected 'domain name'");
    assertThatThrownBy(() -> SourceLists.builder().add(SourceCategory.SEARCH, "foo.com foo\nfoo.com foo\n", "t.txt"))
        .hasMessageContaining("t.txt:2").hasMessageContaining("already listed at t.txt:1");
    assertThatThrownBy(() -> SourceLists.builder()
            .add(SourceCategory.SEARCH, "foo.com foo\n", "a.txt")
            .add(SourceCategory.SOCIAL, "foo.net foo\n", "b.txt"))
        .hasMessageContaining("b.txt:1").hasMessageContaining("already means foo (SEARCH)");
    assertThatThrownBy(() -> SourceLists.builder().add(SourceCategory.SEARCH, "!foo.com bar\n", "t.txt"))
        .hasMessageContaining("exclusion takes no name");
  }

  @Test
  void builtListsAreIndependentOfTheBundledOnes() {
    SourceLists custom = SourceLists.builder()
        .add(SourceCategory.SEARCH, "kagi.com kagi  # comment\nsearx searx\n", "custom")
        .build();

    assertThat(custom.lookupHost("www.kagi.com")).isEqualTo(new KnownSource("kagi", SourceCategory.SEARCH));
    assertThat(custom.category("searx")).isEqualTo(SourceCategory.SEARCH);
    assertThat(custom.lookupHost("google.com")).isNull();
  }
}

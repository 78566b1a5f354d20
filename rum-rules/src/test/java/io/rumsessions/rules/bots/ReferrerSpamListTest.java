package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferrerSpamListTest {

  private static final ReferrerSpamList BUNDLED = ReferrerSpamList.fromBundledList();

  @Test
  void bundledListIsLoadedOnceWithItsDomains() {
    assertThat(ReferrerSpamList.fromBundledList()).isSameAs(BUNDLED);
    assertThat(BUNDLED.size()).isGreaterThan(2000);
    assertThat(BUNDLED.isSpamHost("semalt.com")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://semalt.com/", "http://www.semalt.com/path?q=1",
      "https://a.b.semalt.com:8443/x", "SEMALT.COM", "semalt.com.", "//semalt.com/x",
      "https://user@semalt.com/"})
  void listedDomainAndItsSubdomainsMatchInAnyCase(String referrer) {
    assertThat(BUNDLED.isSpamReferrer(referrer)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://notsemalt.com/", "https://semalt.com.example.org/",
      "https://www.google.com/", "https://[2001:db8::1]/", ""})
  void otherHostsDoNotMatch(String referrer) {
    assertThat(BUNDLED.isSpamReferrer(referrer)).isFalse();
  }

  @Test
  void nullReferrerIsNotSpam() {
    assertThat(BUNDLED.isSpamReferrer(null)).isFalse();
    assertThat(BUNDLED.isSpamHost(null)).isFalse();
  }

  @Test
  void entriesWithSurroundingSpaceOrUpperCaseAreNormalised() {
    // The upstream file has "prizesk.com " (trailing space) and "QIWI.xyz".
    assertThat(BUNDLED.isSpamHost("prizesk.com")).isTrue();
    assertThat(BUNDLED.isSpamHost("qiwi.xyz")).isTrue();
  }

  @Test
  void internationalisedHostsAreComparedInPunycode() {
    ReferrerSpamList list = ReferrerSpamList.of(List.of("xn--e1afmkfd.xn--p1ai"));
    assertThat(list.isSpamReferrer("https://пример.рф/")).isTrue();
    assertThat(list.isSpamHost("www.ПРИМЕР.рф")).isTrue();
  }

  @Test
  void additionalDomainsExtendTheList() {
    ReferrerSpamList list = BUNDLED.withAdditionalDomains(List.of("spam.example"));
    assertThat(list.isSpamHost("x.spam.example")).isTrue();
    assertThat(list.size()).isEqualTo(BUNDLED.size() + 1);
    assertThat(BUNDLED.isSpamHost("spam.example")).isFalse();
  }

  @Test
  void entriesThatAreNotHostNamesAreRejected() {
    assertThatThrownBy(() -> ReferrerSpamList.of(List.of("https://spam.example/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://spam.example/");
    assertThatThrownBy(() -> ReferrerSpamList.of(List.of(" ")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

package io.rumsessions.extension.consent;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.extension.testing.TestConfig;
import org.junit.jupiter.api.Test;

class ConsentResolverTest {

  private static ConsentResolver resolver(String... keyValues) {
    return new ConsentResolver(TestConfig.rum(keyValues));
  }

  @Test
  void valuesAreReadLikeTheProcessor() {
    assertThat(Consent.parse("granted")).isEqualTo(Consent.GRANTED);
    assertThat(Consent.parse(" TRUE ")).isEqualTo(Consent.GRANTED);
    assertThat(Consent.parse("Denied")).isEqualTo(Consent.DENIED);
    assertThat(Consent.parse("false")).isEqualTo(Consent.DENIED);
    assertThat(Consent.parse("yes")).isEqualTo(Consent.UNKNOWN);
    assertThat(Consent.parse(null)).isEqualTo(Consent.UNKNOWN);
  }

  @Test
  void deniedWinsThenGrantedThenTheDefault() {
    ConsentResolver r = resolver();
    assertThat(r.signal("granted", "denied", null, null)).isEqualTo(Consent.DENIED);
    assertThat(r.signal(null, "granted", null, null)).isEqualTo(Consent.GRANTED);
    assertThat(r.signal(null, null, null, null)).isEqualTo(Consent.UNKNOWN);
    assertThat(r.granted(Consent.UNKNOWN)).isFalse();
    assertThat(resolver("consent.default", "granted").granted(Consent.UNKNOWN)).isTrue();
    assertThat(resolver("consent.default", "granted").granted(Consent.DENIED)).isFalse();
  }

  @Test
  void globalPrivacyControl() {
    assertThat(resolver().signal("granted", null, null, "1")).isEqualTo(Consent.DENIED);
    assertThat(resolver().signal("granted", null, null, "0")).isEqualTo(Consent.GRANTED);
    assertThat(resolver("consent.gpc", "false").signal("granted", null, null, "1"))
        .isEqualTo(Consent.GRANTED);
  }

  @Test
  void consentManagerCookies() {
    ConsentResolver plain = resolver();
    assertThat(plain.cookie("granted")).isEqualTo(Consent.GRANTED);
    assertThat(plain.cookie("denied")).isEqualTo(Consent.DENIED);
    assertThat(plain.cookie("{necessary:true}")).isEqualTo(Consent.UNKNOWN);

    // Cookiebot-style value, URL-encoded
    ConsentResolver cookiebot =
        resolver("consent.cookie-granted", "statistics:true", "consent.cookie-denied", "statistics:false");
    assertThat(cookiebot.cookie("%7Bnecessary%3Atrue%2Cstatistics%3Atrue%7D"))
        .isEqualTo(Consent.GRANTED);
    assertThat(cookiebot.cookie("{necessary:true,statistics:false}")).isEqualTo(Consent.DENIED);
    // OneTrust-style groups
    ConsentResolver onetrust =
        resolver("consent.cookie-granted", "C0002:1", "consent.cookie-denied", "C0002:0");
    assertThat(onetrust.cookie("isGpcEnabled=0&groups=C0001%3A1%2CC0002%3A1"))
        .isEqualTo(Consent.GRANTED);
    assertThat(onetrust.cookie("groups=C0001:1,C0002:0")).isEqualTo(Consent.DENIED);
  }
}

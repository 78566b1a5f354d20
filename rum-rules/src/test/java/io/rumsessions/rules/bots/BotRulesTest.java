package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BotRulesTest {

  private static final String CHROME =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";
  private static final String HEADLESS =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " HeadlessChrome/131.0.0.0 Safari/537.36";

  private final BotRules rules =
      BotRules.builder().ipRanges(CidrSet.of("192.0.2.0/24", "2001:db8::/32")).build();

  @Test
  void aHumanPassesEveryLayer() {
    assertThat(rules.evaluate(CHROME, "https://www.google.com/", "198.51.100.1", null, false))
        .isNull();
  }

  @Test
  void referrerSpamIsTheFirstLayer() {
    assertThat(rules.evaluate(HEADLESS, "https://semalt.com/", "192.0.2.1", "bot", true))
        .isEqualTo(BotReason.REFERRER_SPAM);
  }

  @Test
  void ipRangeComesBeforeTheUserAgent() {
    assertThat(rules.evaluate(HEADLESS, null, "2001:db8::1", null, false))
        .isEqualTo(BotReason.IP_RANGE);
  }

  @Test
  void aProducersSyntheticTypeComesBeforeTheUserAgentRules() {
    assertThat(rules.evaluate(HEADLESS, null, null, "test", false))
        .isEqualTo(BotReason.SYNTHETIC_ATTRIBUTE);
    assertThat(rules.evaluate(CHROME, null, null, "  ", false)).isNull();
  }

  @Test
  void userAgentRulesNameTheirOwnReason() {
    assertThat(rules.evaluate(HEADLESS, null, null, null, false))
        .isEqualTo(BotReason.USER_AGENT_AUTOMATION);
    assertThat(rules.evaluate(null, null, null, null, false))
        .isEqualTo(BotReason.USER_AGENT_EMPTY);
  }

  @Test
  void automationFlagIsTheLastLayer() {
    assertThat(rules.evaluate(CHROME, null, null, null, true))
        .isEqualTo(BotReason.AUTOMATION_FLAG);
  }

  @Test
  void everyLayerCanBeSwitchedOff() {
    BotRules off =
        BotRules.builder()
            .referrerSpam(null)
            .ipRanges(null)
            .syntheticAttribute(false)
            .userAgentRules(false)
            .automationFlag(false)
            .build();
    assertThat(off.evaluate(HEADLESS, "https://semalt.com/", "192.0.2.1", "bot", true)).isNull();
    assertThat(off.userAgentVerdict(HEADLESS).botReason()).isEqualTo(BotReason.USER_AGENT_AUTOMATION);
  }

  @Test
  void automationFlagValuesAreRead() {
    assertThat(BotRules.isFlagSet("true")).isTrue();
    assertThat(BotRules.isFlagSet("TRUE")).isTrue();
    assertThat(BotRules.isFlagSet("1")).isTrue();
    assertThat(BotRules.isFlagSet("false")).isFalse();
    assertThat(BotRules.isFlagSet(null)).isFalse();
  }

  @Test
  void userAgentVerdictCarriesDeviceAndBrowserLabels() {
    UserAgentVerdict verdict = rules.userAgentVerdict(CHROME);
    assertThat(verdict.device().label()).isEqualTo("desktop");
    assertThat(verdict.browserFamily()).isEqualTo("chrome");
    assertThat(BotRules.defaults().evaluate(CHROME, null, "192.0.2.1", null, false)).isNull();
  }
}

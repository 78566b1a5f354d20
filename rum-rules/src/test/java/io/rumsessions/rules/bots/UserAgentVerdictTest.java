package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rumsessions.rules.device.BrowserFamily;
import io.rumsessions.rules.device.DeviceType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UserAgentVerdictTest {

  @Test
  void verdictsAreCanonical() {
    assertThat(UserAgentVerdict.of(null, DeviceType.MOBILE, BrowserFamily.SAFARI))
        .isSameAs(UserAgentVerdict.of(null, DeviceType.MOBILE, BrowserFamily.SAFARI));
    assertThat(UserAgentVerdict.of(BotReason.IP_RANGE, DeviceType.BOT, BrowserFamily.OTHER))
        .isNotSameAs(UserAgentVerdict.of(BotReason.BEHAVIOUR, DeviceType.BOT, BrowserFamily.OTHER));
  }

  @Test
  void asBotKeepsTheBrowserAndSetsDeviceBot() {
    UserAgentVerdict human = UserAgentVerdict.of(null, DeviceType.DESKTOP, BrowserFamily.FIREFOX);
    UserAgentVerdict bot = human.asBot(BotReason.REFERRER_SPAM);
    assertThat(bot.isBot()).isTrue();
    assertThat(bot.botReasonLabel()).isEqualTo("referrer_spam");
    assertThat(bot.device()).isEqualTo(DeviceType.BOT);
    assertThat(bot.browserFamily()).isEqualTo("firefox");
    assertThat(human.botReasonLabel()).isNull();
    assertThat(bot.toString()).isEqualTo(
        "UserAgentVerdict{bot=referrer_spam, device=bot, browser=firefox}");
  }

  @Test
  void deviceAndBrowserAreRequired() {
    assertThatThrownBy(() -> UserAgentVerdict.of(null, null, BrowserFamily.OTHER))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void botReasonLabelsAreStableLowercaseSnakeCase() {
    assertThat(Arrays.stream(BotReason.values()).map(BotReason::label))
        .containsExactly(
            "referrer_spam",
            "ip_range",
            "synthetic_attribute",
            "user_agent_empty",
            "user_agent_invalid",
            "user_agent_automation",
            "user_agent_crawler",
            "user_agent_non_browser",
            "automation_flag",
            "behaviour");
    for (BotReason reason : BotReason.values()) {
      assertThat(BotReason.fromLabel(reason.label())).isSameAs(reason);
      assertThat(reason.toString()).isEqualTo(reason.label());
    }
    assertThatThrownBy(() -> BotReason.fromLabel("nope")).isInstanceOf(IllegalArgumentException.class);
  }
}

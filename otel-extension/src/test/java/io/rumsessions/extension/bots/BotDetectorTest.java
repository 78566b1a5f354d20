package io.rumsessions.extension.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rumsessions.extension.testing.Requests;
import io.rumsessions.extension.testing.TestConfig;
import org.junit.jupiter.api.Test;

class BotDetectorTest {

  private static BotDetector detector(String... keyValues) {
    return new BotDetector(TestConfig.rum(keyValues));
  }

  @Test
  void sameUserAgentRulesAsTheProcessor() {
    BotDetector d = detector();
    assertThat(d.decide(Requests.CHROME, "/", null, false)).isNull();
    assertThat(d.decide(Requests.GOOGLEBOT, "/", null, false).reason())
        .isEqualTo("user_agent_crawler");
    assertThat(d.decide(Requests.HEADLESS, "/", null, false).reason())
        .isEqualTo("user_agent_automation");
    assertThat(d.decide("curl/8.5.0", "/", null, false).syntheticType()).isEqualTo("bot");
    assertThat(d.decide(null, "/", null, false).reason()).isEqualTo("user_agent_empty");
  }

  @Test
  void nativeAppsAreNotBotsUnlessConfigured() {
    String app = "ShopApp/5.2 (iPhone; iOS 18.1; Scale/3.00)";
    assertThat(detector().decide(app, "/", null, false)).isNull();
    assertThat(detector("bots.non-browser", "true").decide(app, "/", null, false).reason())
        .isEqualTo("user_agent_non_browser");
  }

  @Test
  void tracedClientsCanBeJudgedFully() {
    assertThat(detector().decide(Requests.OKHTTP, "/", null, true)).isNull();
    assertThat(detector("bots.trust-traced-clients", "false").decide(Requests.OKHTTP, "/", null, true))
        .isNotNull();
  }

  @Test
  void ipRangesAndPaths() {
    BotDetector d =
        detector("bots.ip-ranges", "203.0.113.0/24,2001:db8::/32", "bots.excluded-paths", "/ping,/internal/*");
    assertThat(d.decide(Requests.CHROME, "/", "203.0.113.9", false).reason()).isEqualTo("ip_range");
    assertThat(d.decide(Requests.CHROME, "/", "2001:db8::1", true).reason()).isEqualTo("ip_range");
    assertThat(d.decide(Requests.CHROME, "/", "198.51.100.1", false)).isNull();
    assertThat(d.decide(Requests.CHROME, "/ping", null, false)).isSameAs(BotDecision.EXCLUDED_PATH);
    assertThat(d.decide(Requests.CHROME, "/internal/x", null, false).syntheticType()).isEqualTo("test");
    assertThat(d.decide(Requests.CHROME, "/healthz", null, false)).isNull();
  }

  @Test
  void badRangesAreConfigurationErrors() {
    assertThatThrownBy(() -> detector("bots.ip-ranges", "10.1.2.3/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.1.2.3/8");
  }
}

package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rumsessions.rules.device.BrowserFamily;
import io.rumsessions.rules.device.DeviceType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserAgentClassifierTest {

  private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier.fromBundledLists();

  private static final String CHROME_WINDOWS =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";
  private static final String HEADLESS_CHROME =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " HeadlessChrome/131.0.0.0 Safari/537.36";

  private static BotReason reason(String ua) {
    return CLASSIFIER.classify(ua).botReason();
  }

  @Test
  void fromBundledListsLoadsOnce() {
    assertThat(UserAgentClassifier.fromBundledLists()).isSameAs(CLASSIFIER);
  }

  @Test
  void chromeOnWindowsIsHumanDesktopChrome() {
    UserAgentVerdict verdict = CLASSIFIER.classify(CHROME_WINDOWS);
    assertThat(verdict.isBot()).isFalse();
    assertThat(verdict.botReason()).isNull();
    assertThat(verdict.device()).isEqualTo(DeviceType.DESKTOP);
    assertThat(verdict.browserFamily()).isEqualTo("chrome");
    assertThat(CLASSIFIER.explain(CHROME_WINDOWS)).isEqualTo("human");
  }

  @Test
  void headlessChromeIsAutomation() {
    UserAgentVerdict verdict = CLASSIFIER.classify(HEADLESS_CHROME);
    assertThat(verdict.botReason()).isEqualTo(BotReason.USER_AGENT_AUTOMATION);
    assertThat(verdict.device()).isEqualTo(DeviceType.BOT);
    assertThat(verdict.browser()).isEqualTo(BrowserFamily.CHROME);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Playwright/1.49",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Puppeteer",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.6.0 Chrome/118.0.5993.159 Electron/27.1.3 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Selenium",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Safari/537.36 PTST/211202.211915"
      })
  void headlessAndAutomationMarkersAreAutomation(String ua) {
    assertThat(reason(ua)).isEqualTo(BotReason.USER_AGENT_AUTOMATION);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Go-http-client/2.0"
      })
  void knownCrawlersAndHttpClientsAreCrawlers(String ua) {
    assertThat(reason(ua)).isEqualTo(BotReason.USER_AGENT_CRAWLER);
  }

  @Test
  void aUrlInTheUserAgentIsACrawler() {
    assertThat(CLASSIFIER.explain("Mozilla/5.0 (compatible; NewFetcher/1.0; +https://example.org/bot)"))
        .startsWith("user_agent_crawler");
    assertThat(reason("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/99.0 Safari/537.36 contact ops@example.org")).isEqualTo(BotReason.USER_AGENT_CRAWLER);
  }

  @Test
  void aNameInsideTheEngineCommentIsACrawler() {
    assertThat(reason("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko;"
        + " Google-Sites-Thumbnails) Chrome/120.0.6099.71 Safari/537.36"))
        .isEqualTo(BotReason.USER_AGENT_CRAWLER);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "-", "null", "undefined", "Unknown", "N/A"})
  void blankAndPlaceholderUserAgentsAreEmpty(String ua) {
    assertThat(reason(ua)).isEqualTo(BotReason.USER_AGENT_EMPTY);
  }

  @Test
  void nullUserAgentIsEmptyWithDeviceBot() {
    UserAgentVerdict verdict = CLASSIFIER.classify(null);
    assertThat(verdict.botReason()).isEqualTo(BotReason.USER_AGENT_EMPTY);
    assertThat(verdict.device()).isEqualTo(DeviceType.BOT);
    assertThat(verdict.browser()).isEqualTo(BrowserFamily.OTHER);
  }

  @Test
  void controlCharactersMakeAUserAgentInvalid() {
    assertThat(reason(CHROME_WINDOWS + "\n")).isEqualTo(BotReason.USER_AGENT_INVALID);
    assertThat(reason("Mozilla/5.0 (X11)\u0001 Firefox")).isEqualTo(BotReason.USER_AGENT_INVALID);
  }

  @Test
  void overlongUserAgentIsInvalid() {
    String ua = CHROME_WINDOWS + " x".repeat(600);
    assertThat(reason(ua)).isEqualTo(BotReason.USER_AGENT_INVALID);
    assertThat(CLASSIFIER.explain(ua)).isEqualTo("user_agent_invalid: longer than 1024 characters");
  }

  @Test
  void userAgentWithoutLettersIsInvalid() {
    assertThat(reason("12345 / 6.7.8")).isEqualTo(BotReason.USER_AGENT_INVALID);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "MyShop/5.2 (iPhone; iOS 18.1; Scale/3.00)",
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
        "Mozilla/5.0 (Mixnode) AppleWebKit/537.36 (KHTML, like Gecko)",
        "Mozilla/5.0 (platform; rv:geckoversion) Gecko/geckotrail Firefox/firefoxversion"
      })
  void userAgentsNotShapedLikeABrowserAreNonBrowser(String ua) {
    assertThat(reason(ua)).isEqualTo(BotReason.USER_AGENT_NON_BROWSER);
  }

  @Test
  void nonBrowserShapeRuleCanBeSwitchedOffForNativeAppTraffic() {
    UserAgentClassifier apps = UserAgentClassifier.builder().nonBrowserShapes(false).build();
    assertThat(apps.classify("MyShop/5.2 (iPhone; iOS 18.1; Scale/3.00)").isBot()).isFalse();
    assertThat(apps.classify("curl/8.5.0").botReason()).isEqualTo(BotReason.USER_AGENT_CRAWLER);
  }

  @Test
  void androidDeviceModelsThatLookLikeBotNamesAreHuman() {
    // "CUBOT", "Ruby" and "HTC Butterfly" are phones; AP3A.240617.008 is an Android build id.
    for (String model :
        List.of("CUBOT_P20", "Ruby5S", "HTC Butterfly Build/JDQ39", "CPH2655 Build/AP3A.240617.008")) {
      String ua = "Mozilla/5.0 (Linux; Android 15; " + model + ") AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/130.0.6723.58 Mobile Safari/537.36";
      assertThat(CLASSIFIER.explain(ua)).as(model).isEqualTo("human");
    }
  }

  @Test
  void sogouMobileBrowserIsHumanAndSogouSpiderIsACrawler() {
    assertThat(reason("Mozilla/5.0 (Linux; Android 10; ZTE A2020 SP Build/QKQ1.200913.002; wv)"
        + " AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/68.0.3440.106 Mobile"
        + " Safari/537.36 AWP/2.0 SogouMSE,SogouMobileBrowser/6.5.11")).isNull();
    assertThat(reason("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"))
        .isEqualTo(BotReason.USER_AGENT_CRAWLER);
  }

  @Test
  void internetExplorerAndInAppBrowsersAreHuman() {
    assertThat(reason("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko")).isNull();
    assertThat(reason("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)")).isNull();
    assertThat(reason("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
        + " (KHTML, like Gecko) Mobile/15E148 Instagram 309.0.0.28.113 (iPhone15,2; iOS 17_0; en_US)"))
        .isNull();
    assertThat(reason("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/150.0.0.0 Mobile Safari/537.36 (Ecosia android@150.0.0.0)")).isNull();
  }

  @Test
  void everyRuleCanBeSwitchedOff() {
    UserAgentClassifier none =
        UserAgentClassifier.builder()
            .emptyUserAgents(false)
            .invalidUserAgents(false)
            .automationMarkers(false)
            .crawlerList(false)
            .genericCrawlerRules(false)
            .nonBrowserShapes(false)
            .build();
    for (String ua : List.of("", "-", "\u0001", HEADLESS_CHROME, "Googlebot/2.1", "okhttp/4.12.0")) {
      assertThat(none.classify(ua).isBot()).as(ua).isFalse();
    }
    assertThat(none.classify(null).isBot()).isFalse();
  }

  @Test
  void crawlerListOffLeavesGenericRules() {
    UserAgentClassifier generic = UserAgentClassifier.builder().crawlerList(false).build();
    assertThat(generic.explain("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"))
        .startsWith("user_agent_crawler: contains a link");
  }

  @Test
  void additionalPatternsAndMarkersAreUsed() {
    UserAgentClassifier custom =
        UserAgentClassifier.builder()
            .additionalCrawlerPatterns(List.of("AcmeProbe/\\d"))
            .additionalAutomationMarkers(List.of("LoadRunnerX"))
            .build();
    assertThat(custom.classify(CHROME_WINDOWS + " AcmeProbe/2").botReason())
        .isEqualTo(BotReason.USER_AGENT_CRAWLER);
    assertThat(custom.classify(CHROME_WINDOWS + " loadrunnerx").botReason())
        .isEqualTo(BotReason.USER_AGENT_AUTOMATION);
    assertThat(custom.classify(CHROME_WINDOWS).isBot()).isFalse();
  }

  @Test
  void anAdditionalPatternThatDoesNotCompileIsRejectedAtBuild() {
    UserAgentClassifier.Builder builder =
        UserAgentClassifier.builder().additionalCrawlerPatterns(List.of("Broken(Bot"));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Broken(Bot");
  }

  @Test
  void explainNamesTheCrawlerPattern() {
    assertThat(CLASSIFIER.explain("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"))
        .isEqualTo("user_agent_crawler: crawler-user-agents pattern 'Googlebot\\/'");
    assertThat(CLASSIFIER.explain(HEADLESS_CHROME))
        .isEqualTo("user_agent_automation: automation marker 'headless'");
  }

  @Test
  void maxLengthIsConfigurable() {
    UserAgentClassifier strict = UserAgentClassifier.builder().maxLength(64).build();
    assertThat(strict.classify(CHROME_WINDOWS).botReason()).isEqualTo(BotReason.USER_AGENT_INVALID);
    assertThatThrownBy(() -> UserAgentClassifier.builder().maxLength(3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

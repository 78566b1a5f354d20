package io.rumsessions.rules.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.rules.corpus.Corpus;
import io.rumsessions.rules.corpus.Corpus.Row;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceClassifierTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          desktop | chrome  | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36
          desktop | chrome  | Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/145.0.0.0 Safari/537.36
          desktop | chrome  | Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36
          desktop | edge    | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0
          desktop | firefox | Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0
          desktop | safari  | Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15
          desktop | opera   | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0
          desktop | yandex  | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36
          desktop | internet_explorer | Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko
          desktop | other   | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18
          mobile  | safari  | Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1
          mobile  | chrome  | Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1
          mobile  | firefox | Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15
          mobile  | edge    | Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/131.0.2903.68 Mobile/15E148 Safari/605.1.15
          mobile  | webview | Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/490.0.0.41.109]
          mobile  | webview | Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148
          mobile  | chrome  | Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36
          mobile  | samsung | Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36
          mobile  | webview | Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36
          mobile  | firefox | Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0
          mobile  | opera   | Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16
          mobile  | uc      | Mozilla/5.0 (Linux; U; Android 11; en-US; RMX2185 Build/RP1A.201005.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.5.8.1312 Mobile Safari/537.36
          tablet  | safari  | Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1
          tablet  | chrome  | Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36
          tablet  | samsung | Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36
          tablet  | firefox | Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0
          tablet  | other   | Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/130.5.1 like Chrome/130.0.6723.102 Safari/537.36
          other   | samsung | Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/85.0.4183.93 TV Safari/537.36
          other   | chrome  | Mozilla/5.0 (Linux; Android 12; AFTKA Build/PS7624.3337N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Safari/537.36
          other   | other   | Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15
          other   | edge    | Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edge/44.18363.8131
          other   | other   | Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) OculusBrowser/35.1.0.0 Chrome/130.0.6723.102 VR Safari/537.36
          """)
  void deviceAndBrowserFromTokens(String device, String browser, String userAgent) {
    assertThat(DeviceClassifier.deviceOf(userAgent).label()).isEqualTo(device);
    assertThat(DeviceClassifier.browserOf(userAgent).label()).isEqualTo(browser);
  }

  @Test
  void nullAndEmptyAreOther() {
    assertThat(DeviceClassifier.deviceOf(null)).isEqualTo(DeviceType.OTHER);
    assertThat(DeviceClassifier.deviceOf("")).isEqualTo(DeviceType.OTHER);
    assertThat(DeviceClassifier.browserOf(null)).isEqualTo(BrowserFamily.OTHER);
  }

  @Test
  void labelsAreLowercaseSnakeCase() {
    for (DeviceType type : DeviceType.values()) {
      assertThat(type.label()).matches("[a-z][a-z_]*");
    }
    for (BrowserFamily family : BrowserFamily.values()) {
      assertThat(family.label()).matches("[a-z][a-z_]*");
    }
  }

  /**
   * Agreement with the device category the Intoli user-agents data set records for each user
   * agent (taken from the browser, not from the user agent), weighted by traffic.
   */
  @Test
  void deviceClassAgreesWithIntoliDeviceCategoryFor97PercentOfTraffic() {
    List<Row> rows = Corpus.load(Corpus.INTOLI_BROWSERS);
    Map<String, Double> confusion = new TreeMap<>();
    double agree = 0;
    double total = 0;
    for (Row row : rows) {
      double weight = Double.parseDouble(row.label(0));
      String expected = row.label(1);
      String actual = DeviceClassifier.deviceOf(row.userAgent()).label();
      confusion.merge(expected + "->" + actual, weight, Double::sum);
      total += weight;
      if (expected.equals(actual)) {
        agree += weight;
      }
    }
    System.out.printf(
        "[corpus] device class vs Intoli deviceCategory: %.2f%% of traffic agrees; %s%n",
        100 * agree / total, confusion);
    assertThat(agree / total).isGreaterThanOrEqualTo(0.97);
  }

  /** Agreement with Matomo device-detector's device type on its long-tail browser fixtures. */
  @Test
  void deviceClassAgreesWithDeviceDetectorOnMostOfTheLongTail() {
    List<Row> rows = Corpus.load(Corpus.DEVICE_DETECTOR_BROWSERS);
    Map<String, Integer> confusion = new TreeMap<>();
    int agree = 0;
    for (Row row : rows) {
      String expected =
          switch (row.label(0)) {
            case "desktop" -> "desktop";
            case "smartphone", "phablet", "feature_phone" -> "mobile";
            case "tablet" -> "tablet";
            default -> "other";
          };
      String actual = DeviceClassifier.deviceOf(row.userAgent()).label();
      confusion.merge(expected + "->" + actual, 1, Integer::sum);
      if (expected.equals(actual)) {
        agree++;
      }
    }
    System.out.printf(
        "[corpus] device class vs device-detector device type (long tail): %.2f%% agree; %s%n",
        100.0 * agree / rows.size(), confusion);
    assertThat((double) agree / rows.size()).isGreaterThanOrEqualTo(0.85);
  }
}

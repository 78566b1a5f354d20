package io.rumsessions.extension.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RumSessionConfigTest {

  private static RumSessionConfig config(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return RumSessionConfig.from(DefaultConfigProperties.createFromMap(m));
  }

  @Test
  void defaults() {
    RumSessionConfig c = config();
    assertThat(c.enabled()).isTrue();
    assertThat(c.sources())
        .containsExactly(SessionSource.BAGGAGE, SessionSource.HEADER, SessionSource.COOKIE);
    assertThat(c.header()).isEqualTo("x-rum-session-id");
    assertThat(c.previousHeader()).isEqualTo("x-rum-session-previous-id");
    assertThat(c.cookie()).isEmpty();
    assertThat(c.consentCookie()).isEmpty();
    assertThat(c.maxLength()).isEqualTo(128);
    assertThat(c.idPattern()).isNull();
    assertThat(c.childSpans()).isTrue();
    assertThat(c.consentGrantedByDefault()).isFalse();
    assertThat(c.consentHeader()).isEqualTo("x-rum-consent");
    assertThat(c.honorGpc()).isTrue();
    assertThat(c.botMode()).isEqualTo(BotMode.MARK);
    assertThat(c.botNonBrowser()).isFalse();
    assertThat(c.botIpRanges()).isEmpty();
    assertThat(c.trustTracedClients()).isTrue();
    assertThat(c.excludedPaths()).isEqualTo(RumSessionConfig.DEFAULT_EXCLUDED_PATHS);
    // no cookie name: the Cookie header is never captured
    assertThat(c.needsCookieHeader()).isFalse();
    assertThat(c.headersToCapture())
        .containsExactly("x-rum-session-id", "x-rum-session-previous-id", "x-rum-consent", "sec-gpc");
  }

  @Test
  void environmentVariableSpelling() {
    // OTEL_INSTRUMENTATION_RUM_SESSION_BOTS_MODE=drop reaches ConfigProperties as
    // otel.instrumentation.rum.session.bots.mode, and '-' and '.' are the same in keys.
    RumSessionConfig c =
        config(
            "otel.instrumentation.rum.session.bots.mode", "DROP",
            "otel.instrumentation.rum.session.consent.default", "granted",
            "otel.instrumentation.rum.session.max.length", "64");
    assertThat(c.botMode()).isEqualTo(BotMode.DROP);
    assertThat(c.consentGrantedByDefault()).isTrue();
    assertThat(c.maxLength()).isEqualTo(64);
  }

  @Test
  void cookiesAddTheCookieHeader() {
    RumSessionConfig c =
        config(RumSessionConfig.COOKIE, "rum_sid", RumSessionConfig.HEADER, "X-Session");
    assertThat(c.header()).isEqualTo("x-session");
    assertThat(c.headersToCapture()).contains("x-session", "cookie");
    RumSessionConfig notASource =
        config(RumSessionConfig.COOKIE, "rum_sid", RumSessionConfig.SOURCES, "baggage");
    assertThat(notASource.headersToCapture()).doesNotContain("cookie", "x-rum-session-id");
    assertThat(config(RumSessionConfig.CONSENT_COOKIE, "OptanonConsent").headersToCapture())
        .contains("cookie");
  }

  @Test
  void switchingHeadersOff() {
    RumSessionConfig c =
        config(
            RumSessionConfig.HEADER, "",
            RumSessionConfig.PREVIOUS_HEADER, "",
            RumSessionConfig.CONSENT_HEADER, "",
            RumSessionConfig.CONSENT_GPC, "false");
    assertThat(c.headersToCapture()).isEmpty();
  }

  @Test
  void invalidValuesAreConfigurationErrors() {
    assertThatThrownBy(() -> config(RumSessionConfig.BOTS_MODE, "block"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bots.mode");
    assertThatThrownBy(() -> config(RumSessionConfig.SOURCES, "baggage,query"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("query");
    assertThatThrownBy(() -> config(RumSessionConfig.CONSENT_DEFAULT, "maybe"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.HEADER, "x session"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.COOKIE, "a;b"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.ID_PATTERN, "[a-"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.MAX_LENGTH, "0"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.BOTS_EXCLUDED_PATHS, "health"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> config(RumSessionConfig.BOTS_CACHE_SIZE, "1000"))
        .isInstanceOf(ConfigurationException.class);
  }

  /** Every key in this class has a README row with the right environment variable, and back. */
  @Test
  void readmeTableListsEveryProperty() throws IOException, IllegalAccessException {
    Map<String, String> keys = new LinkedHashMap<>();
    for (Field f : RumSessionConfig.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())
          && f.getType() == String.class
          && !f.getName().equals("PREFIX")) {
        String key = (String) f.get(null);
        keys.put(key, key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
      }
    }
    Path readme = Paths.get("README.md");
    String text = new String(Files.readAllBytes(readme), StandardCharsets.UTF_8);
    Matcher row =
        Pattern.compile("^\\| `(otel\\.instrumentation\\.rum-session\\.[a-z.-]+)` \\| `([A-Z_]+)` \\|", Pattern.MULTILINE)
            .matcher(text);
    Map<String, String> documented = new LinkedHashMap<>();
    while (row.find()) {
      documented.put(row.group(1), row.group(2));
    }
    assertThat(new TreeSet<>(documented.keySet())).isEqualTo(new TreeSet<>(keys.keySet()));
    assertThat(documented).containsAllEntriesOf(keys);
    assertThat(Collections.frequency(documented.values(), null)).isZero();
  }
}

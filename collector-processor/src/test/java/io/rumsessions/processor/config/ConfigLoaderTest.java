package io.rumsessions.processor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @Test
  void defaultsMatchTheFixedInterfaces() {
    ProcessorConfig c = ProcessorConfig.defaults();
    assertThat(c.receiver().grpcPort()).isEqualTo(4317);
    assertThat(c.receiver().httpPort()).isEqualTo(4318);
    assertThat(c.metrics().port()).isEqualTo(9464);
    assertThat(c.session().inactivityTimeout()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.session().maxLength()).isEqualTo(Duration.ofHours(24));
    assertThat(c.consent().grantedByDefault()).isFalse();
    assertThat(c.export().enabled()).isFalse();
  }

  @Test
  void flagsOverrideTheYamlFile(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("c.yaml");
    Files.writeString(yaml, """
        session:
          inactivity-timeout: 10m
          split-at-midnight: true
          time-zone: Europe/Berlin
        input:
          pageview-span-names: [documentLoad, pageview]
        """);
    ProcessorConfig c = ConfigLoader.load(yaml, Map.of("session.inactivity-timeout", "2s"));
    assertThat(c.session().inactivityTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.session().splitAtMidnight()).isTrue();
    assertThat(c.session().timeZone().getId()).isEqualTo("Europe/Berlin");
    assertThat(c.input().pageviewSpanNames()).containsExactly("documentLoad", "pageview");
  }

  @Test
  void aMisspeltKeyIsAnError(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("c.yaml");
    Files.writeString(yaml, "session:\n  inactivty-timeout: 10m\n");
    assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("session.inactivty-timeout");
  }

  @Test
  void badValuesNameTheKeyAndTheExpectedForm() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("session.inactivity-timeout", "soon")))
        .hasMessageContaining("session.inactivity-timeout: expected a duration");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("receiver.http-port", "70000")))
        .hasMessageContaining("receiver.http-port");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("consent.default", "maybe")))
        .hasMessageContaining("consent.default");
  }

  @Test
  void visitorSettingsAreCheckedAndTyped() {
    VisitorsConfig d = ConfigLoader.load(null, Map.of()).visitors();
    assertThat(d.enabled()).isTrue();
    assertThat(d.lgK()).isEqualTo(12);
    assertThat(d.lookbackDays()).isEqualTo(30);
    assertThat(d.falseReturning()).isEqualTo(0.01);
    VisitorsConfig set = ConfigLoader.load(null, Map.of("visitors.lg-k", "14", "visitors.lookback-days", "7",
        "visitors.daily-visitors", "5000", "visitors.save-interval", "0s")).visitors();
    assertThat(set.lgK()).isEqualTo(14);
    assertThat(set.lookbackDays()).isEqualTo(7);
    assertThat(set.dailyVisitors()).isEqualTo(5000);
    assertThat(set.saveInterval()).isZero();
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("visitors.lg-k", "30"))).hasMessageContaining("visitors.lg-k");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("visitors.false-returning", "0.7")))
        .hasMessageContaining("visitors.false-returning");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("visitors.false-returning", "often")))
        .hasMessageContaining("visitors.false-returning");
  }

  @Test
  void durationsInTheFormsUsersWrite() {
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("200us")).isEqualTo(Duration.ofNanos(200_000));
    assertThat(Durations.parse("1ms500µs")).isEqualTo(Duration.ofNanos(1_500_000));
    assertThat(Durations.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> Durations.parse("5 minutes")).isInstanceOf(IllegalArgumentException.class);
    assertThat(ByteSizes.parse("4MiB")).isEqualTo(4L << 20);
  }
}

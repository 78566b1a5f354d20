package io.rumsessions.processor.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What fuzzing the config loader found (ConfigLoaderFuzzTest), each kept as a plain test. */
class FuzzFindingsTest {
  /**
   * Bug: {@code --set .....=a} (a key of dots alone) split into no parts and failed with an
   * ArrayIndexOutOfBoundsException instead of the ConfigException startup reports.
   */
  @Test
  void aKeyWithAnEmptyPartIsAConfigError() {
    for (String key : new String[] {".....", ".", "session..inactivity-timeout", "session.inactivity-timeout."}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(key, "2s")))
          .as(key)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("not a key");
    }
  }
}

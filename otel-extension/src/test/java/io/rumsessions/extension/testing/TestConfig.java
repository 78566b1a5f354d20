package io.rumsessions.extension.testing;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.rumsessions.extension.config.RumSessionConfig;
import java.util.HashMap;
import java.util.Map;

/** Builds a {@link RumSessionConfig} from short keys (without the property prefix). */
public final class TestConfig {

  private TestConfig() {}

  /** {@code rum("bots.mode", "drop", ...)}: pairs of key and value, prefix added. */
  public static RumSessionConfig rum(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(RumSessionConfig.PREFIX + keyValues[i], keyValues[i + 1]);
    }
    return RumSessionConfig.from(DefaultConfigProperties.createFromMap(m));
  }
}

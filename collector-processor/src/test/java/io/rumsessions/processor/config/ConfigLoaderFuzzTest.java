package io.rumsessions.processor.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rumsessions.processor.bots.BotFilter;
import io.rumsessions.processor.identity.ClientAddress;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.testing.Fuzzing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The config loader on any YAML file and {@code --set} overrides (the input's YAML, then after
 * a NUL byte one {@code key=value} override a line; seeded with configs touching most sections). A bad
 * config is refused with a {@link ConfigException} that says what is wrong; anything else thrown
 * is a bug. What the loader accepts must build the parts the processor makes from it at start
 * (their own IllegalArgumentException, which startup reports, is allowed).
 */
class ConfigLoaderFuzzTest {
  private static Path file;
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void loadsOrRefusesWithAConfigException(byte[] input) throws IOException {
    runs++;
    if (file == null) {
      file = Files.createTempFile("rum-sessions-fuzz", ".yaml");
      file.toFile().deleteOnExit();
    }
    int nul = 0;
    while (nul < input.length && input[nul] != 0) nul++;
    Files.write(file, java.util.Arrays.copyOf(input, nul));
    Map<String, String> overrides = new LinkedHashMap<>();
    if (nul < input.length) {
      for (String line : new String(input, nul + 1, input.length - nul - 1, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) overrides.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }

    ProcessorConfig c;
    try {
      c = ConfigLoader.load(file, overrides);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    try {
      BotFilter.from(c.bots());
      new ClientAddress(c.receiver().trustedProxies());
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    new InputMapping(c.input(), c.consent());
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("config loader", runs);
  }
}

package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/rum-sessions} starts the processor's JVM with {@code collector-processor/jvm.options}
 * (the GC settings the latency numbers were measured with) and lets {@code RUM_SESSIONS_JAVA_OPTS}
 * override any of them. Read from the JVM itself ({@code -XX:+PrintCommandLineFlags}), with the
 * packaged jar (this module runs after {@code package}).
 */
class LauncherJvmOptionsTest {
  private static final Pattern XX_VALUE = Pattern.compile("-XX:(\\w+)=(\\S+)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg])");
  private final Path repo = E2eStack.repoRoot();

  @Test
  void everyOptionOfJvmOptionsReachesTheJvm() throws Exception {
    Map<String, String> expected = xxValues(jvmOptions());
    assertThat(expected).as("-XX:Name=value options in jvm.options").isNotEmpty();

    Map<String, String> actual = xxValues(List.of(launch("-XX:+PrintCommandLineFlags").split("\\s+")));

    expected.forEach((name, value) -> assertThat(numberIfNumeric(actual.get(name))).as(name)
        .isEqualTo(numberIfNumeric(bytesIfSize(value))));
  }

  @Test
  void rumSessionsJavaOptsOverrideJvmOptions() throws Exception {
    assertThat(xxValues(jvmOptions())).as("jvm.options sets it (else pick another option here)")
        .containsKey("MaxTenuringThreshold").doesNotContainEntry("MaxTenuringThreshold", "7");

    String flags = launch("-XX:+PrintCommandLineFlags -XX:MaxTenuringThreshold=7");

    assertThat(xxValues(List.of(flags.split("\\s+")))).containsEntry("MaxTenuringThreshold", "7");
  }

  private List<String> jvmOptions() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(repo.resolve("collector-processor/jvm.options"))) {
      int hash = line.indexOf('#');
      String option = (hash < 0 ? line : line.substring(0, hash)).strip();
      if (!option.isEmpty()) out.add(option);
    }
    return out;
  }

  /** Runs {@code bin/rum-sessions --help} with the given RUM_SESSIONS_JAVA_OPTS; returns its output. */
  private String launch(String javaOpts) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", repo.resolve("bin/rum-sessions").toString(), "--help")
        .redirectErrorStream(true);
    pb.environment().put("RUM_SESSIONS_JAVA_OPTS", javaOpts);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("bin/rum-sessions --help finished").isTrue();
    assertThat(out).as("the processor's usage, after the JVM's flags").contains("usage: rum-sessions");
    return out;
  }

  private static Map<String, String> xxValues(List<String> options) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String o : options) {
      Matcher m = XX_VALUE.matcher(o.strip());
      if (m.matches()) out.put(m.group(1), m.group(2));
    }
    return out;
  }

  /** A number in one form ({@code 100.000000}, as the JVM prints a double flag, is {@code 100}); other values as they are. */
  private static String numberIfNumeric(String value) {
    if (value == null) return null;
    try {
      return new java.math.BigDecimal(value).stripTrailingZeros().toPlainString();
    } catch (NumberFormatException e) {
      return value;
    }
  }

  /** {@code 64m} as the JVM prints it (67108864); other values as they are. */
  private static String bytesIfSize(String value) {
    Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
    if (!m.matches()) return value;
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      default -> 30;
    };
    return Long.toString(n << shift);
  }
}

package io.rumsessions.processor.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration forms users write in flags and YAML: {@code 30m}, {@code 2s}, {@code 1h30m}, {@code 500ms}, {@code 200us} (Go's units), ISO-8601. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|us|µs|s|m|h|d)");

  private Durations() {}

  public static Duration parse(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        return Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a duration: '" + text + "'");
      }
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    Duration total = Duration.ZERO;
    int pos = 0;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw new IllegalArgumentException(
            "not a duration: '" + text + "' (write e.g. 30m, 2s, 1h30m, 500ms)");
      }
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "us", "µs" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
      pos = m.end();
    }
    return total;
  }

  /** The short form, for logs and docs: {@code 30m}, {@code 2s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms != 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0 && ms != 0) return ms / 60_000 + "m";
    if (ms % 1000 == 0 && ms != 0) return ms / 1000 + "s";
    if (d.toNanos() % 1_000_000 != 0) return d.toNanos() / 1000 + "us";
    return ms == 0 ? "0s" : ms + "ms";
  }
}

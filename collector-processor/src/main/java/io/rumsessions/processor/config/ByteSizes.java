package io.rumsessions.processor.config;

import java.util.Locale;

/** Parses byte sizes: {@code 4194304}, {@code 4MiB}, {@code 512KiB}, {@code 4MB}. */
public final class ByteSizes {
  private ByteSizes() {}

  public static long parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    long mult = 1;
    String[][] units = {
      {"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
      {"kb", "1000"}, {"mb", "1000000"}, {"gb", "1000000000"}, {"b", "1"}
    };
    for (String[] u : units) {
      if (s.endsWith(u[0])) {
        mult = Long.parseLong(u[1]);
        s = s.substring(0, s.length() - u[0].length()).trim();
        break;
      }
    }
    try {
      long n = Long.parseLong(s);
      if (n < 0) throw new NumberFormatException();
      return Math.multiplyExact(n, mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("not a byte size: '" + text + "' (write e.g. 4MiB)");
    }
  }
}

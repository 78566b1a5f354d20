package io.rumsessions.processor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

/** What the Jazzer fuzz tests ({@code *FuzzTest}) share. */
public final class Fuzzing {
  /**
   * Each fuzz test's time in the {@code fuzz} surefire execution of {@code mvn verify}: six
   * targets, one JVM each, take about 60 seconds of CI time (most of it JVM start and instrumentation).
   */
  public static final String CI_DURATION = "4s";

  private Fuzzing() {}

  /** Whether Jazzer mutates inputs in this JVM; without JAZZER_FUZZ a fuzz test replays its seeds only. */
  public static boolean fuzzing() {
    String v = System.getenv("JAZZER_FUZZ");
    return v != null && !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  /**
   * Fails a fuzzing run that only replayed its seeds (an agent that did not attach, a setting
   * that turned fuzzing off), which would otherwise pass looking like a clean fuzz run. A target
   * has at most a dozen seeds; a loaded CI machine may try only a few hundred inputs in
   * {@link #CI_DURATION} (180 were seen under load), so the bar is well above the seeds and
   * well below a quiet run's count.
   */
  public static void assertMutated(String target, long runs) {
    if (fuzzing()) {
      assertThat(runs).as("%s inputs tried while fuzzing", target).isGreaterThan(50);
    } else {
      assertThat(runs).as("%s seeds replayed", target).isPositive();
    }
  }

  /**
   * A fuzz input as the lines of a text, UTF-8, with a backslash, 'u' and four hex digits read as that UTF-16 unit:
   * Strings from OTLP/JSON can hold any unit, a lone surrogate included, and seeds stay readable.
   */
  public static String[] lines(byte[] input, int count) {
    String text = new String(input, java.nio.charset.StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 5 < text.length() && text.charAt(i + 1) == 'u' && isHex(text, i + 2, i + 6)) {
        b.append((char) Integer.parseInt(text, i + 2, i + 6, 16));
        i += 5;
      } else {
        b.append(c);
      }
    }
    String[] out = new String[count];
    java.util.Arrays.fill(out, "");
    String[] parts = b.toString().split("\n", count);
    System.arraycopy(parts, 0, out, 0, parts.length);
    return out;
  }

  private static boolean isHex(String s, int from, int to) {
    if (to > s.length()) return false;
    for (int i = from; i < to; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) return false;
    }
    return true;
  }

  /** Code under an allocation bound. */
  public interface Work {
    void run() throws Exception;
  }

  /**
   * Fails when {@code work} allocates {@code bound} bytes or more: an input must not make the code
   * allocate without bound. A run that loaded classes is run again and the second run counts:
   * class loading (and Jazzer instrumenting what is loaded) allocates, once per JVM.
   */
  public static void assertAllocatesLessThan(long bound, String what, Work work) throws Exception {
    long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    long used = allocatedBy(work);
    if (ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() != classes) used = allocatedBy(work);
    assertThat(used).as("bytes allocated %s", what).isLessThan(bound);
  }

  private static long allocatedBy(Work work) throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    work.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }
}

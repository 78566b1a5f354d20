package io.rumsessions.rules.bots;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Names of, and access to, the data files under {@code io/rumsessions/rules/bots/} (see
 * {@code SOURCES.md} there for licence, source and date of each).
 */
final class BundledLists {

  static final String CRAWLER_PATTERNS = "crawler-user-agents.patterns.txt";
  static final String CRAWLER_EXCLUSIONS = "crawler-user-agents.exclusions.txt";
  static final String AUTOMATION_MARKERS = "automation-markers.txt";
  static final String REFERRER_SPAMMERS = "referrer-spam-list.spammers.txt";

  private BundledLists() {}

  /**
   * The non-blank lines of a bundled file. With {@code comments}, lines starting with {@code #}
   * are skipped; with {@code trim}, surrounding whitespace is removed (crawler patterns keep it:
   * upstream has patterns such as {@code "webmon "} whose trailing space matters).
   *
   * @throws IllegalStateException if the file is missing from the class path
   */
  static List<String> lines(String name, boolean comments, boolean trim) {
    InputStream in = BundledLists.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("bundled list missing from the class path: " + name);
    }
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        String trimmed = line.trim();
        if (trimmed.isEmpty() || (comments && trimmed.startsWith("#"))) {
          continue;
        }
        lines.add(trim ? trimmed : line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundled list " + name, e);
    }
    return Collections.unmodifiableList(lines);
  }
}

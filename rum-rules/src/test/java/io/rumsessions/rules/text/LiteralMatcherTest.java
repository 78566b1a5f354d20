package io.rumsessions.rules.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LiteralMatcherTest {

  private static List<String> occurrences(LiteralMatcher matcher, List<String> literals, String text) {
    List<String> found = new ArrayList<>();
    matcher.scan(text, (id, end) -> {
      found.add(literals.get(id) + "@" + (end - literals.get(id).length()));
      return false;
    });
    return found;
  }

  @Test
  void findsOverlappingAndNestedLiteralsThroughFailureLinks() {
    List<String> literals = List.of("he", "she", "his", "hers");
    LiteralMatcher matcher = LiteralMatcher.build(literals, false);
    assertThat(occurrences(matcher, literals, "ushers")).containsExactly("she@1", "he@2", "hers@2");
    assertThat(occurrences(matcher, literals, "ahishers"))
        .containsExactlyInAnyOrder("his@1", "she@3", "he@4", "hers@4");
  }

  @Test
  void ignoreCaseFoldsTextAndLiterals() {
    List<String> literals = List.of("HeadlessChrome", "straße");
    LiteralMatcher matcher = LiteralMatcher.build(literals, true);
    assertThat(matcher.containsAny("x HEADLESSCHROME/1")).isTrue();
    assertThat(matcher.containsAny("STRASSE")).isFalse();
    assertThat(matcher.containsAny("Straße")).isTrue();
    assertThat(LiteralMatcher.build(literals, false).containsAny("headlesschrome")).isFalse();
  }

  @Test
  void visitorCanStopTheScan() {
    List<String> literals = List.of("a");
    LiteralMatcher matcher = LiteralMatcher.build(literals, false);
    int[] seen = {0};
    assertThat(matcher.scan("aaaa", (id, end) -> ++seen[0] == 2)).isTrue();
    assertThat(seen[0]).isEqualTo(2);
    assertThat(matcher.scan("bbbb", (id, end) -> true)).isFalse();
  }

  @Test
  void agreesWithIndexOfOnRandomText() {
    Random random = new Random(7);
    List<String> literals = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      literals.add(randomString(random, 1 + random.nextInt(5)));
    }
    LiteralMatcher matcher = LiteralMatcher.build(literals, false);
    for (int t = 0; t < 2000; t++) {
      String text = randomString(random, random.nextInt(40));
      boolean expected = literals.stream().anyMatch(text::contains);
      assertThat(matcher.containsAny(text)).as(text).isEqualTo(expected);
    }
  }

  @Test
  void emptyLiteralIsRejected() {
    assertThatThrownBy(() -> LiteralMatcher.build(List.of("a", ""), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 1");
  }

  private static String randomString(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append("abcé/".charAt(random.nextInt(5)));
    }
    return sb.toString();
  }
}

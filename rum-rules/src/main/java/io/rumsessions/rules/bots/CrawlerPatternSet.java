package io.rumsessions.rules.bots;

import io.rumsessions.rules.text.LiteralMatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A list of crawler regular expressions (the crawler-user-agents format: case-sensitive,
 * unanchored, {@code find()} semantics) matched with a literal prefilter.
 *
 * <p>For each pattern the longest run of characters that every match must contain is extracted
 * (per top-level alternative). One Aho-Corasick pass finds which of those literals occur; only
 * their patterns are run as regular expressions, and a pattern that is nothing but a literal needs
 * no regular expression at all. Patterns without a usable literal are always run. Measured with
 * the bundled list, this is far cheaper than one combined alternation (see the README).
 */
final class CrawlerPatternSet {

  private final List<String> patterns;
  private final Pattern[] compiled;
  private final LiteralMatcher literals;
  private final int[] literalPattern;
  private final boolean[] literalIsWholeMatch;
  private final int[] alwaysChecked;

  private CrawlerPatternSet(
      List<String> patterns,
      Pattern[] compiled,
      LiteralMatcher literals,
      int[] literalPattern,
      boolean[] literalIsWholeMatch,
      int[] alwaysChecked) {
    this.patterns = patterns;
    this.compiled = compiled;
    this.literals = literals;
    this.literalPattern = literalPattern;
    this.literalIsWholeMatch = literalIsWholeMatch;
    this.alwaysChecked = alwaysChecked;
  }

  /**
   * Compiles every pattern (validating each).
   *
   * @throws IllegalArgumentException naming the first pattern that does not compile
   */
  static CrawlerPatternSet compile(List<String> patterns) {
    return compile(patterns, true);
  }

  /**
   * Compiles the patterns. With {@code compileLiterals} false, a pattern that is nothing but a
   * literal gets no {@link Pattern} (its literal hit is the match), which saves most of the memory
   * and start-up time for the bundled list; the bundled list is checked to compile by a test.
   *
   * @throws IllegalArgumentException naming the first pattern that does not compile
   */
  static CrawlerPatternSet compile(List<String> patterns, boolean compileLiterals) {
    List<String> copy = Collections.unmodifiableList(new ArrayList<>(patterns));
    Pattern[] compiled = new Pattern[copy.size()];
    List<String> literalList = new ArrayList<>();
    List<Integer> literalOwner = new ArrayList<>();
    List<Boolean> literalWhole = new ArrayList<>();
    List<Integer> always = new ArrayList<>();
    for (int p = 0; p < copy.size(); p++) {
      String pattern = copy.get(p);
      List<RequiredLiteral> required = RequiredLiteral.of(pattern);
      boolean literalOnly = required != null;
      if (required != null) {
        for (RequiredLiteral literal : required) {
          literalOnly &= literal.wholeAlternative;
        }
      }
      if (compileLiterals || !literalOnly) {
        try {
          compiled[p] = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException(
              "crawler pattern #" + (p + 1) + " does not compile: " + pattern, e);
        }
      }
      if (required == null) {
        always.add(p);
        continue;
      }
      for (RequiredLiteral literal : required) {
        literalList.add(literal.text);
        literalOwner.add(p);
        literalWhole.add(literal.wholeAlternative);
      }
    }
    int[] owner = new int[literalOwner.size()];
    boolean[] whole = new boolean[literalWhole.size()];
    for (int i = 0; i < owner.length; i++) {
      owner[i] = literalOwner.get(i);
      whole[i] = literalWhole.get(i);
    }
    int[] alwaysChecked = new int[always.size()];
    for (int i = 0; i < alwaysChecked.length; i++) {
      alwaysChecked[i] = always.get(i);
    }
    return new CrawlerPatternSet(
        copy, compiled, LiteralMatcher.build(literalList, false), owner, whole, alwaysChecked);
  }

  int size() {
    return patterns.size();
  }

  /** Patterns with a compiled regular expression (the others are plain literals). */
  int compiledCount() {
    int n = 0;
    for (Pattern pattern : compiled) {
      if (pattern != null) {
        n++;
      }
    }
    return n;
  }

  /** Patterns that have no literal and are run as regular expressions on every input. */
  int alwaysCheckedCount() {
    return alwaysChecked.length;
  }

  /** The first pattern (in scan order) that matches, or null. */
  String firstMatch(final String userAgent) {
    final String[] found = new String[1];
    literals.scan(
        userAgent,
        new LiteralMatcher.Visitor() {
          @Override
          public boolean visit(int literalId, int end) {
            int p = literalPattern[literalId];
            if (literalIsWholeMatch[literalId] || compiled[p].matcher(userAgent).find()) {
              found[0] = patterns.get(p);
              return true;
            }
            return false;
          }
        });
    if (found[0] != null) {
      return found[0];
    }
    for (int p : alwaysChecked) {
      if (compiled[p].matcher(userAgent).find()) {
        return patterns.get(p);
      }
    }
    return null;
  }

  /** Reference implementation for tests: tries every regular expression. */
  String firstMatchBruteForce(String userAgent) {
    for (int p = 0; p < compiled.length; p++) {
      Pattern regex = compiled[p] != null ? compiled[p] : Pattern.compile(patterns.get(p));
      if (regex.matcher(userAgent).find()) {
        return patterns.get(p);
      }
    }
    return null;
  }

  /**
   * A literal that every match of one top-level alternative contains. {@link #wholeAlternative}
   * means the alternative is exactly that literal, so finding it is a match.
   */
  static final class RequiredLiteral {
    final String text;
    final boolean wholeAlternative;

    RequiredLiteral(String text, boolean wholeAlternative) {
      this.text = text;
      this.wholeAlternative = wholeAlternative;
    }

    /**
     * One literal per top-level alternative of the pattern, or null when some alternative has
     * none (the pattern must then always be run).
     */
    static List<RequiredLiteral> of(String pattern) {
      List<RequiredLiteral> result = new ArrayList<>();
      for (String alternative : splitTopLevel(pattern)) {
        RequiredLiteral literal = longestRun(alternative);
        if (literal == null) {
          return null;
        }
        result.add(literal);
      }
      return result;
    }

    static List<String> splitTopLevel(String pattern) {
      List<String> parts = new ArrayList<>();
      int depth = 0;
      int start = 0;
      for (int i = 0; i < pattern.length(); i++) {
        char c = pattern.charAt(i);
        if (c == '\\') {
          i++;
        } else if (c == '[') {
          i = skipClass(pattern, i) - 1;
        } else if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
        } else if (c == '|' && depth == 0) {
          parts.add(pattern.substring(start, i));
          start = i + 1;
        }
      }
      parts.add(pattern.substring(start));
      return parts;
    }

    private static RequiredLiteral longestRun(String alternative) {
      StringBuilder run = new StringBuilder();
      String best = "";
      boolean whole = true;
      int i = 0;
      int n = alternative.length();
      while (i < n) {
        char c = alternative.charAt(i);
        if (c == '\\') {
          if (i + 1 >= n) {
            return null;
          }
          char d = alternative.charAt(i + 1);
          if (Character.isLetterOrDigit(d)) {
            // A letter or digit escape (class, boundary, property, hex or unicode): no literal.
            best = longer(best, run);
            run.setLength(0);
            whole = false;
            i += 2;
            if ((d == 'p' || d == 'P') && i < n && alternative.charAt(i) == '{') {
              int close = alternative.indexOf('}', i);
              i = close < 0 ? n : close + 1;
            }
            continue;
          }
          run.append(d);
          i += 2;
          continue;
        }
        if (c == '[' || c == '(') {
          best = longer(best, run);
          run.setLength(0);
          whole = false;
          i = c == '[' ? skipClass(alternative, i) : skipGroup(alternative, i);
          continue;
        }
        if (c == '.' || c == '^' || c == '$' || c == ')') {
          best = longer(best, run);
          run.setLength(0);
          whole = false;
          i++;
          continue;
        }
        if (c == '?' || c == '*' || c == '{') {
          // The previous character may be absent (or repeated): it is not required.
          if (run.length() > 0) {
            run.setLength(run.length() - 1);
          }
          best = longer(best, run);
          run.setLength(0);
          whole = false;
          i = skipQuantifier(alternative, i);
          continue;
        }
        if (c == '+') {
          best = longer(best, run);
          run.setLength(0);
          whole = false;
          i = skipQuantifier(alternative, i);
          continue;
        }
        run.append(c);
        i++;
      }
      best = longer(best, run);
      if (best.isEmpty()) {
        return null;
      }
      return new RequiredLiteral(best, whole);
    }

    private static String longer(String best, StringBuilder run) {
      return run.length() > best.length() ? run.toString() : best;
    }

    /** Index just after the character class starting at {@code start} ('['). */
    static int skipClass(String s, int start) {
      int i = start + 1;
      if (i < s.length() && s.charAt(i) == '^') {
        i++;
      }
      if (i < s.length() && s.charAt(i) == ']') {
        i++;
      }
      int depth = 1;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '\\') {
          i += 2;
          continue;
        }
        if (c == '[') {
          depth++;
        } else if (c == ']') {
          depth--;
          if (depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return s.length();
    }

    /** Index just after the group starting at {@code start} ('('). */
    static int skipGroup(String s, int start) {
      int depth = 0;
      int i = start;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '\\') {
          i += 2;
          continue;
        }
        if (c == '[') {
          i = skipClass(s, i);
          continue;
        }
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
          if (depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return s.length();
    }

    /** Index just after the quantifier starting at {@code i} (?, *, + or {n,m}, lazy/possessive). */
    static int skipQuantifier(String s, int i) {
      if (i >= s.length()) {
        return i;
      }
      char c = s.charAt(i);
      if (c == '{') {
        int close = s.indexOf('}', i);
        i = close < 0 ? s.length() : close + 1;
      } else if (c == '?' || c == '*' || c == '+') {
        i++;
      } else {
        return i;
      }
      if (i < s.length() && (s.charAt(i) == '?' || s.charAt(i) == '+')) {
        i++;
      }
      return i;
    }
  }
}

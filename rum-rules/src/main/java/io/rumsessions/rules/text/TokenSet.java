package io.rumsessions.rules.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * A set of case-insensitive tokens found in one pass ({@link LiteralMatcher}). A token written
 * with a leading or trailing {@code \b} must start or end at a word boundary, where a word
 * character is a letter or digit: {@code "\\btv\\b"} matches "(TV;" but not "Tvbox".
 *
 * <p>A building block of the rules in this module, public only so that the {@code bots} and
 * {@code device} packages can share it; not a supported API.
 */
public final class TokenSet {

  /** Receives each occurrence that satisfies its boundaries; returns true to stop. */
  public interface Visitor {
    boolean visit(int tokenId, int start, int end);
  }

  private final List<String> tokens;
  private final boolean[] wordStart;
  private final boolean[] wordEnd;
  private final LiteralMatcher matcher;
  private final boolean anyBoundary;

  private TokenSet(List<String> specs) {
    List<String> literals = new ArrayList<>();
    wordStart = new boolean[specs.size()];
    wordEnd = new boolean[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      String spec = specs.get(i);
      String literal = spec;
      if (literal.startsWith("\\b")) {
        wordStart[i] = true;
        literal = literal.substring(2);
      }
      if (literal.endsWith("\\b")) {
        wordEnd[i] = true;
        literal = literal.substring(0, literal.length() - 2);
      }
      if (literal.isEmpty()) {
        throw new IllegalArgumentException("empty token: '" + spec + "'");
      }
      literals.add(literal);
    }
    this.tokens = Collections.unmodifiableList(literals);
    this.matcher = LiteralMatcher.build(literals, true);
    boolean boundary = false;
    for (int i = 0; i < wordStart.length; i++) {
      boundary |= wordStart[i] || wordEnd[i];
    }
    this.anyBoundary = boundary;
  }

  public static TokenSet of(String... specs) {
    List<String> list = new ArrayList<>();
    Collections.addAll(list, specs);
    return new TokenSet(list);
  }

  public static TokenSet of(Collection<String> specs) {
    return new TokenSet(new ArrayList<>(specs));
  }

  /** The token (without boundary markers). */
  public String token(int id) {
    return tokens.get(id);
  }

  public int size() {
    return tokens.size();
  }

  /** Reports occurrences in text order; returns true if the visitor stopped the scan. */
  public boolean scan(final CharSequence text, final Visitor visitor) {
    return matcher.scan(
        text,
        new LiteralMatcher.Visitor() {
          @Override
          public boolean visit(int id, int end) {
            int start = end - tokens.get(id).length();
            if (wordStart[id] && start > 0 && Character.isLetterOrDigit(text.charAt(start - 1))) {
              return false;
            }
            if (wordEnd[id] && end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
              return false;
            }
            return visitor.visit(id, start, end);
          }
        });
  }

  /** Id of the first token found (in text order), or -1. */
  public int first(CharSequence text) {
    final int[] found = {-1};
    scan(
        text,
        new Visitor() {
          @Override
          public boolean visit(int tokenId, int start, int end) {
            found[0] = tokenId;
            return true;
          }
        });
    return found[0];
  }

  public boolean containsAny(CharSequence text) {
    return anyBoundary ? first(text) >= 0 : matcher.containsAny(text);
  }
}

package io.rumsessions.extension.bots;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Exact paths, and prefixes written with a trailing {@code *} ({@code /health/*}). */
public final class PathMatcher {

  private final Set<String> exact = new HashSet<>();
  private final String[] prefixes;

  public PathMatcher(List<String> patterns) {
    List<String> p = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.endsWith("*")) {
        p.add(pattern.substring(0, pattern.length() - 1));
      } else {
        exact.add(pattern);
      }
    }
    this.prefixes = p.toArray(new String[0]);
  }

  public boolean isEmpty() {
    return exact.isEmpty() && prefixes.length == 0;
  }

  public boolean matches(String path) {
    if (path == null) {
      return false;
    }
    if (exact.contains(path)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}

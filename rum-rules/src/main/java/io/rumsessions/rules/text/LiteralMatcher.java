package io.rumsessions.rules.text;

import java.util.Arrays;
import java.util.List;

/**
 * Aho-Corasick automaton over a fixed set of literals: one left-to-right pass over the text finds
 * every occurrence of every literal. Immutable after construction, so safe to share between
 * threads. The transition table is stored as flat sorted arrays (a few bytes per trie node) with a
 * direct table for ASCII characters leaving the root.
 *
 * <p>A building block of the rules in this module, public only so that the {@code bots} and
 * {@code device} packages can share it; not a supported API.
 */
public final class LiteralMatcher {

  /** Receives each occurrence; returns true to stop the scan. */
  public interface Visitor {
    /**
     * @param literalId index of the literal in the list given to {@link #build}
     * @param end index just after the occurrence in the text
     */
    boolean visit(int literalId, int end);
  }

  private final boolean ignoreCase;
  private final int[] rootAscii;
  private final int[] edgeOffset;
  private final char[] edgeChars;
  private final int[] edgeTargets;
  private final int[] fail;
  private final int[] outOffset;
  private final int[] outIds;
  private final int[] dictLink;

  private LiteralMatcher(
      boolean ignoreCase,
      int[] rootAscii,
      int[] edgeOffset,
      char[] edgeChars,
      int[] edgeTargets,
      int[] fail,
      int[] outOffset,
      int[] outIds,
      int[] dictLink) {
    this.ignoreCase = ignoreCase;
    this.rootAscii = rootAscii;
    this.edgeOffset = edgeOffset;
    this.edgeChars = edgeChars;
    this.edgeTargets = edgeTargets;
    this.fail = fail;
    this.outOffset = outOffset;
    this.outIds = outIds;
    this.dictLink = dictLink;
  }

  /**
   * Builds the automaton; literal {@code i} of the list gets id {@code i}.
   *
   * @throws IllegalArgumentException for an empty literal
   */
  public static LiteralMatcher build(List<String> literals, boolean ignoreCase) {
    int capacity = 1;
    for (String literal : literals) {
      capacity += literal.length();
    }
    // Trie as linked child lists (no boxing, no maps): node 0 is the root.
    char[] edgeChar = new char[capacity];
    int[] firstChild = new int[capacity];
    int[] nextSibling = new int[capacity];
    Arrays.fill(firstChild, -1);
    Arrays.fill(nextSibling, -1);
    int[] rootAscii = new int[128];
    int[] outHead = new int[capacity];
    Arrays.fill(outHead, -1);
    int[] outNext = new int[literals.size()];
    int n = 1;
    for (int id = 0; id < literals.size(); id++) {
      String literal = literals.get(id);
      if (literal.isEmpty()) {
        throw new IllegalArgumentException("empty literal at index " + id);
      }
      int node = 0;
      for (int i = 0; i < literal.length(); i++) {
        char c = ignoreCase ? fold(literal.charAt(i)) : literal.charAt(i);
        int next = child(node, c, rootAscii, edgeChar, firstChild, nextSibling);
        if (next < 0) {
          next = n++;
          edgeChar[next] = c;
          nextSibling[next] = firstChild[node];
          firstChild[node] = next;
          if (node == 0 && c < 128) {
            rootAscii[c] = next;
          }
        }
        node = next;
      }
      outNext[id] = outHead[node];
      outHead[node] = id;
    }

    int[] fail = new int[n];
    int[] dictLink = new int[n];
    Arrays.fill(dictLink, -1);
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    for (int c = firstChild[0]; c >= 0; c = nextSibling[c]) {
      queue[tail++] = c;
    }
    while (head < tail) {
      int node = queue[head++];
      for (int child = firstChild[node]; child >= 0; child = nextSibling[child]) {
        char c = edgeChar[child];
        int f = fail[node];
        int target = child(f, c, rootAscii, edgeChar, firstChild, nextSibling);
        while (target < 0 && f != 0) {
          f = fail[f];
          target = child(f, c, rootAscii, edgeChar, firstChild, nextSibling);
        }
        fail[child] = target >= 0 && target != child ? target : 0;
        int fc = fail[child];
        dictLink[child] = outHead[fc] >= 0 ? fc : dictLink[fc];
        queue[tail++] = child;
      }
    }

    // Flatten: per node, children sorted by character.
    int[] edgeOffset = new int[n + 1];
    char[] edgeChars = new char[n - 1];
    int[] edgeTargets = new int[n - 1];
    int at = 0;
    for (int node = 0; node < n; node++) {
      edgeOffset[node] = at;
      int from = at;
      for (int child = firstChild[node]; child >= 0; child = nextSibling[child]) {
        // insertion sort into [from, at)
        int k = at++;
        while (k > from && edgeChars[k - 1] > edgeChar[child]) {
          edgeChars[k] = edgeChars[k - 1];
          edgeTargets[k] = edgeTargets[k - 1];
          k--;
        }
        edgeChars[k] = edgeChar[child];
        edgeTargets[k] = child;
      }
    }
    edgeOffset[n] = at;
    int[] outOffset = new int[n + 1];
    int[] outIds = new int[literals.size()];
    int outs = 0;
    for (int node = 0; node < n; node++) {
      outOffset[node] = outs;
      int first = outs;
      for (int id = outHead[node]; id >= 0; id = outNext[id]) {
        outIds[outs++] = id;
      }
      reverse(outIds, first, outs); // literal order
    }
    outOffset[n] = outs;
    return new LiteralMatcher(
        ignoreCase, rootAscii, edgeOffset, edgeChars, edgeTargets, fail, outOffset, outIds,
        dictLink);
  }

  private static int child(
      int node, char c, int[] rootAscii, char[] edgeChar, int[] firstChild, int[] nextSibling) {
    if (node == 0 && c < 128) {
      int target = rootAscii[c];
      return target == 0 ? -1 : target;
    }
    for (int k = firstChild[node]; k >= 0; k = nextSibling[k]) {
      if (edgeChar[k] == c) {
        return k;
      }
    }
    return -1;
  }

  private static void reverse(int[] a, int from, int to) {
    for (int i = from, j = to - 1; i < j; i++, j--) {
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Number of trie nodes (for sizing documentation and tests). */
  public int nodeCount() {
    return fail.length;
  }

  /**
   * Reports every literal occurrence to {@code visitor}, in text order.
   *
   * @return true if the visitor stopped the scan
   */
  public boolean scan(CharSequence text, Visitor visitor) {
    int node = 0;
    for (int i = 0, len = text.length(); i < len; i++) {
      char c = ignoreCase ? fold(text.charAt(i)) : text.charAt(i);
      node = advance(node, c);
      if (node == 0) {
        continue;
      }
      int out = outOffset[node] < outOffset[node + 1] ? node : dictLink[node];
      while (out > 0) {
        for (int k = outOffset[out]; k < outOffset[out + 1]; k++) {
          if (visitor.visit(outIds[k], i + 1)) {
            return true;
          }
        }
        out = dictLink[out];
      }
    }
    return false;
  }

  /** The state after reading {@code c} in {@code node}: its goto edge, else along the failure links. */
  private int advance(int node, char c) {
    while (true) {
      int next = step(node, c);
      if (next >= 0) {
        return next;
      }
      if (node == 0) {
        return 0;
      }
      node = fail[node];
    }
  }

  /** True if any literal occurs in the text. */
  public boolean containsAny(CharSequence text) {
    int node = 0;
    for (int i = 0, len = text.length(); i < len; i++) {
      char c = ignoreCase ? fold(text.charAt(i)) : text.charAt(i);
      node = advance(node, c);
      if (node != 0 && (outOffset[node] < outOffset[node + 1] || dictLink[node] > 0)) {
        return true;
      }
    }
    return false;
  }

  private int step(int node, char c) {
    if (node == 0) {
      if (c < 128) {
        int target = rootAscii[c];
        return target == 0 ? -1 : target;
      }
    }
    int lo = edgeOffset[node];
    int hi = edgeOffset[node + 1] - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      char m = edgeChars[mid];
      if (m < c) {
        lo = mid + 1;
      } else if (m > c) {
        hi = mid - 1;
      } else {
        return edgeTargets[mid];
      }
    }
    return -1;
  }

  /** The case folding used with {@code ignoreCase}: ASCII fast path, else lower case. */
  public static char fold(char c) {
    if (c < 128) {
      return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
    return Character.toLowerCase(c);
  }
}

package io.rumsessions.dashboards;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small scanner for the PromQL our dashboards and rules use: finds every vector selector with
 * its label matchers, its range, and the function it is the argument of. Enough to lint queries
 * (counters inside rate, {@code $__rate_interval}, required matchers) and to know which metric
 * names a query needs; Prometheus itself is the parser of record (see {@link LivePrometheusTest}).
 */
final class PromQl {

  /** One label matcher: {@code label op "value"}. */
  record Matcher(String label, String op, String value) {}

  /**
   * A vector selector.
   *
   * @param range the text inside {@code [...]} after the selector, or null for an instant vector
   * @param function the function whose argument list directly holds the selector, or null
   */
  record Selector(String metric, Map<String, Matcher> matchers, String range, String function) {
    boolean hasMatcher(String label, String op, String value) {
      Matcher m = matchers.get(label);
      return m != null && m.op().equals(op) && m.value().equals(value);
    }
  }

  private static final Set<String> AGGREGATIONS = Set.of(
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
      "bottomk", "topk", "quantile", "limitk", "limit_ratio");
  private static final Set<String> GROUPING = Set.of(
      "by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS = Set.of(
      "and", "or", "unless", "offset", "bool", "atan2", "inf", "nan");

  private final String s;
  private int i;

  private PromQl(String s) {
    this.s = s;
  }

  static List<Selector> selectors(String expr) {
    return new PromQl(expr).scan();
  }

  /** Names of the metrics a query reads. */
  static Set<String> metricNames(String expr) {
    Set<String> names = new java.util.TreeSet<>();
    for (Selector sel : selectors(expr)) names.add(sel.metric());
    return names;
  }

  private List<Selector> scan() {
    List<Selector> out = new ArrayList<>();
    Deque<String> parens = new ArrayDeque<>(); // function name per open '(' ("" if none)
    String pendingCall = null;
    while (true) {
      skipSpace();
      if (i >= s.length()) break;
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        readString();
        pendingCall = null;
      } else if (c == '(') {
        parens.push(pendingCall == null ? "" : pendingCall);
        pendingCall = null;
        i++;
      } else if (c == ')') {
        if (parens.isEmpty()) throw error("unbalanced ')'");
        parens.pop();
        i++;
      } else if (c == '[') {
        readBracket(); // a subquery range on a parenthesised expression
      } else if (c == '{') {
        // A selector without a metric name: {__name__="x", ...}
        Map<String, Matcher> matchers = readMatchers();
        Matcher name = matchers.get("__name__");
        if (name == null) throw error("selector without a metric name");
        out.add(finishSelector(name.value(), matchers, parens));
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
        readNumberOrDuration();
      } else if (c == '$') {
        throw error("unsubstituted variable outside a matcher or range");
      } else if (isIdentStart(c)) {
        String word = readIdent();
        int save = i;
        skipSpace();
        boolean callFollows = i < s.length() && s.charAt(i) == '(';
        i = save;
        if (GROUPING.contains(word)) {
          skipSpace();
          if (i < s.length() && s.charAt(i) == '(') skipLabelList();
          // "sum by (x) (...)": the aggregation's own '(' comes after the grouping.
        } else if (KEYWORDS.contains(word)) {
          pendingCall = null;
        } else if (AGGREGATIONS.contains(word)) {
          pendingCall = word;
        } else if (callFollows) {
          pendingCall = word;
        } else {
          Map<String, Matcher> matchers = new LinkedHashMap<>();
          skipSpace();
          if (i < s.length() && s.charAt(i) == '{') matchers = readMatchers();
          out.add(finishSelector(word, matchers, parens));
          pendingCall = null;
        }
      } else {
        i++; // operators and commas
        pendingCall = null;
      }
    }
    if (!parens.isEmpty()) throw error("unbalanced '('");
    return out;
  }

  private Selector finishSelector(String metric, Map<String, Matcher> matchers, Deque<String> parens) {
    String range = null;
    int save = i;
    skipSpace();
    if (i < s.length() && s.charAt(i) == '[') {
      range = readBracket();
    } else {
      i = save;
    }
    String fn = parens.isEmpty() || parens.peek().isEmpty() ? null : parens.peek();
    return new Selector(metric, matchers, range, fn);
  }

  private Map<String, Matcher> readMatchers() {
    Map<String, Matcher> m = new LinkedHashMap<>();
    i++; // '{'
    while (true) {
      skipSpace();
      if (i >= s.length()) throw error("unterminated '{'");
      if (s.charAt(i) == '}') {
        i++;
        return m;
      }
      if (s.charAt(i) == ',') {
        i++;
        continue;
      }
      String label = readIdent();
      skipSpace();
      String op;
      if (s.startsWith("=~", i) || s.startsWith("!=", i) || s.startsWith("!~", i)) {
        op = s.substring(i, i + 2);
        i += 2;
      } else if (s.startsWith("=", i)) {
        op = "=";
        i++;
      } else {
        throw error("expected a matcher operator after '" + label + "'");
      }
      skipSpace();
      m.put(label, new Matcher(label, op, readString()));
    }
  }

  private void skipLabelList() {
    int depth = 0;
    do {
      char c = s.charAt(i++);
      if (c == '(') depth++;
      if (c == ')') depth--;
    } while (depth > 0 && i < s.length());
  }

  private String readBracket() {
    int start = ++i;
    int end = s.indexOf(']', start);
    if (end < 0) throw error("unterminated '['");
    i = end + 1;
    return s.substring(start, end).trim();
  }

  private String readString() {
    char q = s.charAt(i);
    if (q != '"' && q != '\'' && q != '`') throw error("expected a string");
    StringBuilder b = new StringBuilder();
    i++;
    while (i < s.length() && s.charAt(i) != q) {
      char c = s.charAt(i++);
      if (c == '\\' && q != '`' && i < s.length()) c = s.charAt(i++);
      b.append(c);
    }
    if (i >= s.length()) throw error("unterminated string");
    i++;
    return b.toString();
  }

  private void readNumberOrDuration() {
    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
  }

  private String readIdent() {
    int start = i;
    if (i >= s.length() || !isIdentStart(s.charAt(i))) throw error("expected a name");
    while (i < s.length() && (isIdentStart(s.charAt(i)) || Character.isDigit(s.charAt(i)))) i++;
    return s.substring(start, i);
  }

  private static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_' || c == ':';
  }

  private void skipSpace() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') { // comment to the end of the line
        while (i < s.length() && s.charAt(i) != '\n') i++;
      } else {
        break;
      }
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at " + i + " in: " + s);
  }
}

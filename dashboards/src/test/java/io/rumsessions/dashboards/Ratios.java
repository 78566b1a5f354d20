package io.rumsessions.dashboards;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which sessions the two sides of a PromQL division count. A ratio is only meaningful when its
 * numerator and denominator describe the same population; the session counters do not all
 * describe the same one:
 *
 * <ul>
 *   <li>{@link Population#STARTED}: counted when a session first looks human, so they include
 *       sessions later reclassified as bots ({@code rum_sessions_reclassified_total}, by service
 *       only);
 *   <li>{@link Population#ENDED}: counted when a session ends; reclassified sessions never end,
 *       so these hold humans only;
 *   <li>{@link Population#HUMAN_STARTED}: started minus reclassified, per service.
 * </ul>
 *
 * Finds every binary {@code /} with its two operands (PromQL precedence: {@code a + b / c - d}
 * divides {@code b} by {@code c}) and says what is wrong with it. A term multiplied by 0 only
 * supplies labels (the {@code x or 0 * y} that turns "absent" into 0), so it is left out.
 */
final class Ratios {
  private Ratios() {}

  enum Population { STARTED, HUMAN_STARTED, ENDED, BOT, CONVERSION, RECLASSIFIED }

  /** The session metrics (raw, or the metric part of a recorded name) and what they count. */
  static final Map<String, Population> POPULATIONS = new TreeMap<>(Map.ofEntries(
      Map.entry("rum_sessions_started", Population.STARTED),
      Map.entry("rum_campaign_sessions", Population.STARTED),
      Map.entry("rum_visitor_sessions", Population.STARTED),
      Map.entry("rum_human_sessions_started", Population.HUMAN_STARTED),
      Map.entry("rum_sessions_reclassified", Population.RECLASSIFIED),
      Map.entry("rum_sessions_ended", Population.ENDED),
      Map.entry("rum_session_bounces", Population.ENDED),
      Map.entry("rum_sessions_engaged", Population.ENDED),
      Map.entry("rum_campaign_sessions_ended", Population.ENDED),
      Map.entry("rum_campaign_bounces", Population.ENDED),
      Map.entry("rum_session_duration_seconds", Population.ENDED),
      Map.entry("rum_session_pageviews", Population.ENDED),
      Map.entry("rum_bot_sessions", Population.BOT),
      Map.entry("rum_conversions", Population.CONVERSION),
      Map.entry("rum_campaign_conversions", Population.CONVERSION)));

  /** The dashboards' filter variables: both sides of a ratio must be narrowed alike. */
  static final List<String> FILTER_LABELS = List.of("service_name", "channel", "device", "job", "instance");

  static Population population(String metric) {
    String[] parts = metric.split(":");
    // A recorded ratio (level:metric:ratio_...) is a share, not a count of sessions.
    if (parts.length == 3 && parts[2].startsWith("ratio")) return null;
    String base = parts.length == 3 ? parts[1] : metric;
    base = base.replaceFirst("_(total|bucket|sum|count)$", "");
    return POPULATIONS.get(base);
  }

  /** One binary operator and its operands, as offsets into the expression. */
  record Binary(String op, int leftStart, int leftEnd, int rightStart, int rightEnd) {}

  /** Why this expression's ratios mix populations; empty when none does. */
  static List<String> problems(String expr) {
    List<Binary> ops = binaries(expr);
    List<String> out = new ArrayList<>();
    for (Binary b : ops) {
      if (!b.op().equals("/")) continue;
      String num = countedText(expr, ops, b.leftStart(), b.leftEnd(), false);
      String den = countedText(expr, ops, b.rightStart(), b.rightEnd(), false);
      String denStillWithBots = countedText(expr, ops, b.rightStart(), b.rightEnd(), true);
      Set<Population> n = populations(num);
      Set<Population> d = populations(den);
      String where = " in: " + expr.substring(b.leftStart(), b.rightEnd()).strip();
      if (populations(denStillWithBots).contains(Population.STARTED)) {
        out.add("divides by sessions started without subtracting rum_sessions_reclassified_total: they include "
            + "sessions later reclassified as bots" + where);
      }
      boolean nEnded = n.contains(Population.ENDED);
      boolean dEnded = d.contains(Population.ENDED);
      Set<Population> atStart = EnumSet.of(Population.STARTED, Population.HUMAN_STARTED, Population.BOT);
      if (nEnded && d.stream().anyMatch(atStart::contains) || dEnded && n.stream().anyMatch(atStart::contains)) {
        out.add("mixes sessions counted as they end (" + (nEnded ? "numerator" : "denominator")
            + ") with sessions counted as they start" + where);
      }
      for (String label : FILTER_LABELS) {
        Set<String> nm = matchers(num, label);
        Set<String> dm = matchers(den, label);
        if (!nm.isEmpty() && !dm.isEmpty() && !nm.equals(dm)) {
          out.add("numerator and denominator are filtered differently by " + label + " (" + nm + " / " + dm + ")" + where);
        }
      }
    }
    return out;
  }

  /** The session populations the selectors of this text read. */
  static Set<Population> populations(String text) {
    Set<Population> out = EnumSet.noneOf(Population.class);
    for (String m : PromQl.metricNames(text)) {
      Population p = population(m);
      if (p != null) out.add(p);
    }
    return out;
  }

  /**
   * How the session selectors of this text match a label: each distinct matcher, or "none" for a
   * selector of a session metric that does not narrow by it (also when the metric lacks the
   * label: conversions, which have no device, divided by sessions of some devices mix two
   * populations). Only scraped session metrics count: other metrics have their own labels, and
   * recorded series were narrowed when they were recorded.
   */
  static Set<String> matchers(String text, String label) {
    Set<String> out = new TreeSet<>();
    for (PromQl.Selector s : PromQl.selectors(text)) {
      if (population(s.metric()) == null || s.metric().contains(":")) continue;
      PromQl.Matcher m = s.matchers().get(label);
      out.add(m == null ? "none" : m.op() + "\"" + m.value() + "\"");
    }
    return out;
  }

  /**
   * The text of [from, to) with the terms that count nothing blanked out: right operands of
   * {@code 0 *}; and, if {@code human}, every {@code x - y} whose {@code y} reads the
   * reclassified counter (x minus reclassified is the human population, not started).
   */
  static String countedText(String expr, List<Binary> ops, int from, int to, boolean human) {
    char[] c = expr.toCharArray();
    for (Binary b : ops) {
      if (b.leftStart() < from || b.rightEnd() > to) continue;
      if (b.op().equals("*") && expr.substring(b.leftStart(), b.leftEnd()).strip().equals("0")) {
        Arrays.fill(c, b.rightStart(), b.rightEnd(), ' ');
      }
    }
    if (human) {
      for (Binary b : ops) {
        if (b.leftStart() < from || b.rightEnd() > to || !b.op().equals("-")) continue;
        if (populations(new String(c, b.rightStart(), b.rightEnd() - b.rightStart())).contains(Population.RECLASSIFIED)) {
          Arrays.fill(c, b.leftStart(), b.rightEnd(), ' ');
        }
      }
    }
    return new String(c, from, to - from);
  }

  // ------------------------------------------------------------------ operators and operands

  enum Kind { WORD, NUMBER, STRING, BLOCK, OPEN, CLOSE, COMMA, OP }

  record Token(Kind kind, String text, int start, int end) {}

  private static final Set<String> NOT_OPERANDS = Set.of(
      "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "atan2");

  /** Every binary arithmetic, comparison and set operator of the expression, with its operands. */
  static List<Binary> binaries(String expr) {
    List<Token> t = tokens(expr);
    List<Binary> out = new ArrayList<>();
    for (int i = 0; i < t.size(); i++) {
      int p = precedence(t, i);
      if (p < 0) continue;
      int l = i - 1;
      int depth = 0;
      for (; l >= 0; l--) {
        Token k = t.get(l);
        if (k.kind() == Kind.CLOSE) depth++;
        else if (k.kind() == Kind.OPEN && depth-- == 0) break;
        else if (depth == 0 && k.kind() == Kind.COMMA) break;
        else if (depth == 0 && precedence(t, l) >= 0 && precedence(t, l) < p) break;
      }
      int r = i + 1;
      depth = 0;
      for (; r < t.size(); r++) {
        Token k = t.get(r);
        if (k.kind() == Kind.OPEN) depth++;
        else if (k.kind() == Kind.CLOSE && depth-- == 0) break;
        else if (depth == 0 && k.kind() == Kind.COMMA) break;
        else if (depth == 0 && precedence(t, r) >= 0 && precedence(t, r) <= p) break;
      }
      if (l + 1 > i - 1 || i + 1 > r - 1) continue;
      out.add(new Binary(t.get(i).text(), t.get(l + 1).start(), t.get(i - 1).end(), t.get(i + 1).start(), t.get(r - 1).end()));
    }
    return out;
  }

  /** PromQL's binary precedence of token i, or -1 if it is no binary operator. */
  static int precedence(List<Token> t, int i) {
    Token k = t.get(i);
    if (k.kind() == Kind.WORD) {
      return switch (k.text()) {
        case "or" -> 1;
        case "and", "unless" -> 2;
        case "atan2" -> 5;
        default -> -1;
      };
    }
    if (k.kind() != Kind.OP) return -1;
    boolean afterOperand = i > 0 && switch (t.get(i - 1).kind()) {
      case WORD -> !NOT_OPERANDS.contains(t.get(i - 1).text());
      case NUMBER, STRING, BLOCK, CLOSE -> true;
      default -> false;
    };
    if (!afterOperand) return -1; // a unary sign
    return switch (k.text()) {
      case "==", "!=", "<", "<=", ">", ">=" -> 3;
      case "+", "-" -> 4;
      case "*", "/", "%" -> 5;
      case "^" -> 6;
      default -> -1;
    };
  }

  static List<Token> tokens(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int start = i;
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '#') {
        while (i < s.length() && s.charAt(i) != '\n') i++;
        continue;
      }
      if (c == '"' || c == '\'' || c == '`') {
        i++;
        while (i < s.length() && s.charAt(i) != c) i += s.charAt(i) == '\\' && c != '`' ? 2 : 1;
        out.add(new Token(Kind.STRING, s.substring(start, Math.min(++i, s.length())), start, Math.min(i, s.length())));
      } else if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        i++;
        while (i < s.length() && s.charAt(i) != close) {
          char q = s.charAt(i);
          if (q == '"' || q == '\'' || q == '`') {
            i++;
            while (i < s.length() && s.charAt(i) != q) i += s.charAt(i) == '\\' && q != '`' ? 2 : 1;
          }
          i++;
        }
        i = Math.min(i + 1, s.length());
        out.add(new Token(Kind.BLOCK, s.substring(start, i), start, i));
      } else if (c == '(' || c == ')' || c == ',') {
        i++;
        out.add(new Token(c == '(' ? Kind.OPEN : c == ')' ? Kind.CLOSE : Kind.COMMA, String.valueOf(c), start, i));
      } else if (Character.isDigit(c) || c == '.') {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        out.add(new Token(Kind.NUMBER, s.substring(start, i), start, i));
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) i++;
        out.add(new Token(Kind.WORD, s.substring(start, i), start, i));
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        String op = Set.of("==", "!=", "<=", ">=").contains(two) ? two : String.valueOf(c);
        i += op.length();
        out.add(new Token(Kind.OP, op, start, i));
      }
    }
    return out;
  }
}

package io.rumsessions.processor.attribution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The configured conversion rules, tried in order; the first matching rule names the
 * conversion. Several rules may share a name (any of them counts). The names are the only
 * values of the {@code conversion} label, so they are bounded by the config
 * ({@value #MAX_NAMES} distinct names at most).
 *
 * <pre>
 * conversions:
 *   - name: purchase
 *     url-path: "/checkout/thank-you*"
 *   - name: signup
 *     span-name: signup
 *   - name: lead
 *     attribute: form.id
 *     value: contact
 * </pre>
 */
public final class ConversionRules {
  /** Most distinct conversion names a config may define. */
  public static final int MAX_NAMES = 50;
  static final List<String> KEYS = List.of("name", "span-name", "url-path", "url-path-regex", "attribute", "value");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]{0,63}");
  private static final ConversionRules NONE = new ConversionRules(List.of());

  private final List<ConversionRule> rules;
  private final Set<String> names;

  private ConversionRules(List<ConversionRule> rules) {
    this.rules = List.copyOf(rules);
    Set<String> n = new LinkedHashSet<>();
    for (ConversionRule r : rules) n.add(r.name());
    this.names = Collections.unmodifiableSet(n);
  }

  /** No rules: nothing is a conversion. */
  public static ConversionRules none() {
    return NONE;
  }

  /**
   * Parses the {@code conversions:} list. Values are strings (other scalars are converted with
   * {@code String.valueOf}); keys are those of {@link ConversionRule}.
   *
   * @throws IllegalArgumentException naming the rule ({@code conversions[2] (purchase): ...})
   *     and what is wrong with it
   */
  public static ConversionRules parse(List<? extends Map<String, ?>> rules) {
    if (rules == null || rules.isEmpty()) return NONE;
    List<ConversionRule> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      Map<String, ?> m = rules.get(i);
      String where = "conversions[" + i + "]";
      if (m == null) throw new IllegalArgumentException(where + ": empty rule; expected keys " + String.join(", ", KEYS));
      for (String key : m.keySet()) {
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(where + ": unknown key '" + key + "'; expected one of " + String.join(", ", KEYS));
        }
      }
      String name = string(m, "name", where);
      if (name == null) throw new IllegalArgumentException(where + ": 'name' is required (the conversion label value)");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(where + ": name '" + name + "' must start with a letter or '_' and hold only letters, digits, '_', '.', ':' or '-' (64 at most)");
      }
      where = where + " (" + name + ")";
      String spanName = string(m, "span-name", where);
      String urlPath = string(m, "url-path", where);
      String regex = string(m, "url-path-regex", where);
      String attribute = string(m, "attribute", where);
      String value = string(m, "value", where);
      if (value != null && attribute == null) throw new IllegalArgumentException(where + ": 'value' needs 'attribute'");
      if (spanName == null && urlPath == null && regex == null && attribute == null) {
        throw new IllegalArgumentException(where + ": needs at least one of span-name, url-path, url-path-regex, attribute");
      }
      if (urlPath != null && regex != null) throw new IllegalArgumentException(where + ": use url-path or url-path-regex, not both");
      if (urlPath != null && !(urlPath.startsWith("/") || urlPath.startsWith("*"))) {
        throw new IllegalArgumentException(where + ": url-path '" + urlPath + "' must start with '/' or '*' (it matches the path only, not the host)");
      }
      Pattern compiled = null;
      if (regex != null) {
        try {
          compiled = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException(where + ": url-path-regex is not a valid regular expression: " + e.getDescription());
        }
      }
      names.add(name);
      if (names.size() > MAX_NAMES) throw new IllegalArgumentException(where + ": more than " + MAX_NAMES + " distinct conversion names");
      out.add(new ConversionRule(name, spanName, urlPath, compiled, attribute, value));
    }
    return new ConversionRules(out);
  }

  private static String string(Map<String, ?> m, String key, String where) {
    Object v = m.get(key);
    if (v == null) return null;
    if (v instanceof Map || v instanceof Iterable) throw new IllegalArgumentException(where + ": '" + key + "' must be a single value");
    String s = String.valueOf(v).trim();
    if (s.isEmpty()) throw new IllegalArgumentException(where + ": '" + key + "' is empty");
    return s;
  }

  /**
   * The conversion this span completes, or null.
   *
   * @param spanName the span's name
   * @param urlPath the page path (e.g. {@code PageUrl.path(url)}); a query or fragment is ignored
   * @param attributeLookup span (then resource) attribute values by key; may return null
   */
  public String match(String spanName, String urlPath, Function<String, String> attributeLookup) {
    for (int i = 0; i < rules.size(); i++) {
      ConversionRule r = rules.get(i);
      if (r.matches(spanName, urlPath, attributeLookup)) return r.name();
    }
    return null;
  }

  public List<ConversionRule> rules() {
    return rules;
  }

  /** The distinct conversion names, in config order: every value the label can take. */
  public Set<String> names() {
    return names;
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }
}

package io.rumsessions.processor.attribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The curated lists of search engines, social networks, video sites, shopping sites and webmail
 * providers (data files next to this class, one per {@link SourceCategory}). Answers two
 * questions: which known source a referrer host belongs to ({@link #lookupHost}), and which
 * category a source value (a {@code utm_source}, a canonical name or a domain) falls in
 * ({@link #lookupSource}).
 *
 * <p>Immutable and thread-safe once built.
 */
public final class SourceLists {
  private static final KnownSource EXCLUDED = new KnownSource("!", SourceCategory.SEARCH);

  /** Exact domains (and exclusions), matched against a host and its parent domains. */
  private final Map<String, KnownSource> domains;
  /** "label.*" entries: the label → source. */
  private final Map<String, KnownSource> wildcards;
  /** Canonical names and dot-free aliases → source. */
  private final Map<String, KnownSource> names;
  private final Map<SourceCategory, Integer> sizes;

  private SourceLists(Map<String, KnownSource> domains, Map<String, KnownSource> wildcards,
      Map<String, KnownSource> names, Map<SourceCategory, Integer> sizes) {
    this.domains = domains;
    this.wildcards = wildcards;
    this.names = names;
    this.sizes = sizes;
  }

  /** The lists bundled with the processor, parsed once. */
  public static SourceLists bundled() {
    return Bundled.LISTS;
  }

  private static final class Bundled {
    static final SourceLists LISTS = load();

    private static SourceLists load() {
      Builder b = builder();
      for (SourceCategory c : SourceCategory.values()) {
        try (InputStream in = SourceLists.class.getResourceAsStream(c.resource())) {
          if (in == null) throw new IllegalStateException("missing bundled list " + c.resource());
          b.add(c, new String(in.readAllBytes(), StandardCharsets.UTF_8), c.resource());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read bundled list " + c.resource(), e);
        }
      }
      return b.build();
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The known source for a referrer host: the most specific entry of any list among the host
   * and its parent domains wins, so {@code mail.google.com} is gmail while
   * {@code www.google.co.uk} is google. Null when unknown or excluded.
   */
  public KnownSource lookupHost(String host) {
    if (host == null || host.isEmpty()) return null;
    int pos = 0;
    while (pos >= 0 && pos < host.length()) {
      String suffix = pos == 0 ? host : host.substring(pos);
      KnownSource hit = domains.get(suffix);
      if (hit != null) return hit == EXCLUDED ? null : hit;
      int dot = suffix.indexOf('.');
      if (dot > 0 && !wildcards.isEmpty()) {
        KnownSource w = wildcards.get(suffix.substring(0, dot));
        if (w != null && isPublicSuffixLike(suffix, dot + 1)) return w;
      }
      int next = host.indexOf('.', pos);
      pos = next < 0 ? -1 : next + 1;
    }
    return null;
  }

  /**
   * The known source for a source value: a canonical name or alias ("google", "fb"), else a
   * domain-looking value ("facebook.com", "https://t.co/x") looked up as a host. Null when
   * unknown. The value is expected normalised (lower-case, trimmed).
   */
  public KnownSource lookupSource(String source) {
    if (source == null || source.isEmpty()) return null;
    KnownSource byName = names.get(source);
    if (byName != null) return byName;
    if (source.indexOf('.') > 0 && source.indexOf(' ') < 0) {
      return lookupHost(Hosts.stripWww(Hosts.host(source)));
    }
    return null;
  }

  /**
   * The label value for a normalised source value: a known source's canonical name
   * ({@code facebook.com}, {@code fb}, {@code https://l.facebook.com/} → {@code facebook}),
   * else the host of a domain-looking value without {@code www.}
   * ({@code https://www.partner.example/x} → {@code partner.example}), else the value itself.
   */
  public String canonicalSource(String source) {
    if (source == null) return null;
    KnownSource k = lookupSource(source);
    if (k != null) return k.name();
    if (source.indexOf('.') > 0 && source.indexOf(' ') < 0) {
      String host = Hosts.stripWww(Hosts.host(source));
      if (!host.isEmpty()) return host;
    }
    return source;
  }

  /** The category of a source value, or null. */
  public SourceCategory category(String source) {
    KnownSource k = lookupSource(source);
    return k == null ? null : k.category();
  }

  /** How many entries (domains, wildcards and aliases) each list has. */
  public Map<SourceCategory, Integer> sizes() {
    return sizes;
  }

  /** The canonical source names of one category. */
  public Set<String> names(SourceCategory category) {
    Set<String> out = new LinkedHashSet<>();
    for (KnownSource k : names.values()) {
      if (k.category() == category) out.add(k.name());
    }
    return Collections.unmodifiableSet(out);
  }

  /**
   * The rest of the host from {@code from} is a TLD ({@code de}, {@code com}) or a country
   * second-level domain ({@code co.uk}, {@code com.au}). Good enough for "google.*" without a
   * public suffix list; {@code google.example.com} does not pass.
   */
  static boolean isPublicSuffixLike(String host, int from) {
    int dot = host.indexOf('.', from);
    if (dot < 0) return isLetters(host, from, host.length(), 2, 24);
    if (host.indexOf('.', dot + 1) >= 0) return false;
    String second = host.substring(from, dot);
    boolean generic = switch (second) {
      case "co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "gen", "nic" -> true;
      default -> false;
    };
    return generic && isLetters(host, dot + 1, host.length(), 2, 2);
  }

  private static boolean isLetters(String s, int from, int to, int min, int max) {
    int n = to - from;
    if (n < min || n > max) return false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < 'a' || c > 'z') return false;
    }
    return true;
  }

  /** Builds lists from data-file text; rejects malformed lines and keys listed twice. */
  public static final class Builder {
    private final Map<String, KnownSource> domains = new HashMap<>();
    private final Map<String, KnownSource> wildcards = new HashMap<>();
    private final Map<String, KnownSource> names = new HashMap<>();
    private final Map<String, String> origins = new HashMap<>();
    private final Map<SourceCategory, Integer> sizes = new EnumMap<>(SourceCategory.class);

    private Builder() {}

    /** Adds one data file's text; {@code origin} names it in error messages. */
    public Builder add(SourceCategory category, String text, String origin) {
      String[] lines = text.split("\r?\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i];
        int hash = line.indexOf('#');
        if (hash >= 0) line = line.substring(0, hash);
        line = line.trim();
        if (line.isEmpty()) continue;
        String where = origin + ":" + (i + 1);
        String[] parts = line.split("\\s+");
        String key = parts[0].toLowerCase(Locale.ROOT);
        if (key.startsWith("!")) {
          if (parts.length != 1) throw new IllegalArgumentException(where + ": an exclusion takes no name: " + line);
          put(domains, key.substring(1), EXCLUDED, where);
        } else {
          if (parts.length != 2) throw new IllegalArgumentException(where + ": expected 'domain name', got: " + line);
          String name = parts[1].toLowerCase(Locale.ROOT);
          KnownSource source = new KnownSource(name, category);
          checkName(name, source, where);
          names.putIfAbsent(name, source);
          if (key.endsWith(".*")) {
            put(wildcards, key.substring(0, key.length() - 2), source, where);
          } else if (key.indexOf('.') < 0) {
            if (!key.equals(name)) {
              checkName(key, source, where);
              put(names, key, source, where);
            }
          } else {
            put(domains, key, source, where);
          }
        }
        sizes.merge(category, 1, Integer::sum);
      }
      return this;
    }

    private void checkName(String name, KnownSource source, String where) {
      KnownSource existing = names.get(name);
      if (existing != null && !existing.equals(source)) {
        throw new IllegalArgumentException(where + ": '" + name + "' already means " + existing.name() + " (" + existing.category() + ")");
      }
    }

    private void put(Map<String, KnownSource> map, String key, KnownSource value, String where) {
      if (key.isEmpty()) throw new IllegalArgumentException(where + ": empty key");
      String kind = map == names ? "alias:" : map == wildcards ? "wildcard:" : "domain:";
      String previous = origins.putIfAbsent(kind + key, where);
      if (previous != null) throw new IllegalArgumentException(where + ": '" + key + "' is already listed at " + previous);
      map.put(key, value);
    }

    public SourceLists build() {
      return new SourceLists(Map.copyOf(domains), Map.copyOf(wildcards), Map.copyOf(names), Collections.unmodifiableMap(new EnumMap<>(sizes)));
    }
  }
}

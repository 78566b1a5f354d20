package io.rumsessions.rules.bots;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of a user-agent verdict: cached hit, uncached classification (the miss path), and the
 * crawler-list matching strategies compared on browser user agents (which must go through the
 * whole list without a match).
 *
 * <p>Inputs are the test corpus (src/test/resources/corpus): real browser user agents and bots.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UserAgentVerdictBenchmark {

  /** Cached hits over a working set of 512 distinct user agents, all resident. */
  @State(Scope.Benchmark)
  public static class Cached {
    CachingUserAgentClassifier cache;
    String[] userAgents;
    char[][] chars;
    int next;

    @Setup
    public void setUp() {
      cache = new CachingUserAgentClassifier(UserAgentClassifier.fromBundledLists(), 1 << 16);
      List<String> resident = new ArrayList<>();
      for (String ua : mixed()) {
        cache.classify(ua);
      }
      for (String ua : mixed()) {
        if (cache.isCached(ua) && resident.size() < 512) {
          resident.add(ua);
        }
      }
      userAgents = resident.toArray(new String[0]);
      chars = new char[userAgents.length][];
      for (int i = 0; i < userAgents.length; i++) {
        chars[i] = userAgents[i].toCharArray();
      }
    }

    String nextUserAgent() {
      String ua = userAgents[next];
      next = (next + 1) & 511;
      return ua;
    }
  }

  /** Uncached classification over a mix of browser and bot user agents. */
  @State(Scope.Benchmark)
  public static class Uncached {
    UserAgentClassifier classifier;
    String[] mixed;
    String[] browsers;
    CrawlerPatternSet prefiltered;
    Pattern combined;
    int next;

    @Setup
    public void setUp() {
      classifier = UserAgentClassifier.fromBundledLists();
      mixed = mixed().toArray(new String[0]);
      browsers = column("browsers-intoli-user-agents.tsv").toArray(new String[0]);
      prefiltered = UserAgentClassifier.Bundled.CRAWLERS;
      combined = Pattern.compile(String.join("|", UserAgentClassifier.Bundled.CRAWLER_PATTERNS));
    }
  }

  /** A cached verdict for a String instance seen before (its hash is cached in the String). */
  @Benchmark
  public UserAgentVerdict cachedHit(Cached state) {
    return state.cache.classify(state.nextUserAgent());
  }

  /**
   * A cached verdict for a fresh String instance (as decoded from each span): includes the copy
   * into a new String and computing its hash, so it is an upper bound of a hit's cost.
   */
  @Benchmark
  public UserAgentVerdict cachedHitNewStringInstance(Cached state) {
    int i = state.next;
    state.next = (i + 1) & 511;
    return state.cache.classify(new String(state.chars[i]));
  }

  /** The miss path: full classification of browser and bot user agents (corpus mix). */
  @Benchmark
  public UserAgentVerdict uncachedMixed(Uncached state) {
    String ua = state.mixed[state.next];
    state.next = (state.next + 1) % state.mixed.length;
    return state.classifier.classify(ua);
  }

  /** The miss path for browser user agents only (no rule matches: every rule runs). */
  @Benchmark
  public UserAgentVerdict uncachedBrowser(Uncached state) {
    String ua = state.browsers[state.next % state.browsers.length];
    state.next = (state.next + 1) % state.browsers.length;
    return state.classifier.classify(ua);
  }

  /** Crawler list, as shipped: literal prefilter (Aho-Corasick) then the candidate regexes. */
  @Benchmark
  public String crawlerListPrefilteredOnBrowser(Uncached state) {
    String ua = state.browsers[state.next % state.browsers.length];
    state.next = (state.next + 1) % state.browsers.length;
    return state.prefiltered.firstMatch(ua);
  }

  /** Crawler list as one combined alternation regex (the rejected alternative). */
  @Benchmark
  public boolean crawlerListCombinedRegexOnBrowser(Uncached state) {
    String ua = state.browsers[state.next % state.browsers.length];
    state.next = (state.next + 1) % state.browsers.length;
    return state.combined.matcher(ua).find();
  }

  static List<String> mixed() {
    List<String> all = new ArrayList<>();
    List<String> browsers = column("browsers-intoli-user-agents.tsv");
    List<String> bots = column("bots-device-detector.tsv");
    for (int i = 0; i < Math.max(browsers.size(), bots.size()); i++) {
      if (i < browsers.size()) {
        all.add(browsers.get(i));
      }
      if (i < bots.size()) {
        all.add(bots.get(i));
      }
    }
    return all;
  }

  static List<String> column(String file) {
    InputStream in = UserAgentVerdictBenchmark.class.getResourceAsStream("/corpus/" + file);
    if (in == null) {
      throw new IllegalStateException("corpus file missing: " + file);
    }
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("#") && !line.isEmpty()) {
          out.add(line.substring(line.lastIndexOf('\t') + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}

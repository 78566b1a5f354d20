package io.rumsessions.rules.bots;

import io.rumsessions.rules.device.BrowserFamily;
import io.rumsessions.rules.device.DeviceClassifier;
import io.rumsessions.rules.device.DeviceType;
import io.rumsessions.rules.text.LiteralMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Layer 3 of the bot rules: classifies one user agent string. In one pass it decides whether the
 * user agent is a bot (and names the {@link BotReason}), and derives the device class and browser
 * family. Rules, in order, each switchable through {@link #builder()}:
 *
 * <ol>
 *   <li>{@code user_agent_empty}: null, blank, or a placeholder such as {@code "-"};
 *   <li>{@code user_agent_invalid}: longer than the maximum length, control characters, no letter;
 *   <li>{@code user_agent_automation}: headless and automation markers (bundled
 *       {@code automation-markers.txt}: HeadlessChrome, PhantomJS, Playwright, Lighthouse, ...);
 *   <li>{@code user_agent_crawler}: the vendored crawler-user-agents patterns, then generic crawler
 *       tokens (a URL or e-mail address, words such as "bot" or "spider", HTTP library names);
 *   <li>{@code user_agent_non_browser}: not shaped like a browser user agent (no {@code Mozilla/}
 *       product, no engine, unknown platform). Switch this off where native apps send their own
 *       user agents.
 * </ol>
 *
 * <p>Immutable and thread-safe. One classification takes a few microseconds and allocates a few
 * small objects (matcher state, and a masked copy of Android user agents); put a {@link
 * CachingUserAgentClassifier} in front of it on hot paths.
 */
public final class UserAgentClassifier {

  private final boolean emptyUserAgents;
  private final boolean invalidUserAgents;
  private final boolean automationMarkers;
  private final boolean crawlerList;
  private final boolean genericCrawlerRules;
  private final boolean nonBrowserShapes;
  private final int maxLength;
  private final CrawlerPatternSet crawlers;
  private final CrawlerPatternSet additionalCrawlers;
  private final LiteralMatcher automation;
  private final List<String> automationList;

  private UserAgentClassifier(Builder b) {
    this.emptyUserAgents = b.emptyUserAgents;
    this.invalidUserAgents = b.invalidUserAgents;
    this.automationMarkers = b.automationMarkers;
    this.crawlerList = b.crawlerList;
    this.genericCrawlerRules = b.genericCrawlerRules;
    this.nonBrowserShapes = b.nonBrowserShapes;
    this.maxLength = b.maxLength;
    this.crawlers = Bundled.CRAWLERS;
    this.additionalCrawlers =
        b.additionalCrawlerPatterns.isEmpty()
            ? null
            : CrawlerPatternSet.compile(b.additionalCrawlerPatterns);
    if (b.additionalAutomationMarkers.isEmpty()) {
      this.automation = Bundled.AUTOMATION;
      this.automationList = Bundled.AUTOMATION_MARKERS;
    } else {
      List<String> markers = new ArrayList<>(Bundled.AUTOMATION_MARKERS);
      markers.addAll(b.additionalAutomationMarkers);
      this.automationList = Collections.unmodifiableList(markers);
      this.automation = LiteralMatcher.build(markers, true);
    }
  }

  /**
   * The classifier with every rule on and the bundled lists. The lists are read and compiled once
   * per class loader, on first use; later calls return the same instance.
   */
  public static UserAgentClassifier fromBundledLists() {
    return Bundled.DEFAULT;
  }

  /** A builder starting from every rule on and the bundled lists. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Classifies a user agent. Null and empty strings are allowed (and are {@code
   * user_agent_empty} bots unless that rule is off).
   */
  public UserAgentVerdict classify(String userAgent) {
    BotReason reason = reason(userAgent, null);
    if (userAgent == null) {
      return UserAgentVerdict.of(
          reason, reason == null ? DeviceType.OTHER : DeviceType.BOT, BrowserFamily.OTHER);
    }
    DeviceType device = reason != null ? DeviceType.BOT : DeviceClassifier.deviceOf(userAgent);
    return UserAgentVerdict.of(reason, device, DeviceClassifier.browserOf(userAgent));
  }

  /**
   * Says which rule decided, e.g. {@code "user_agent_crawler: crawler-user-agents pattern
   * 'Googlebot\/'"} or {@code "human"}. For tests, debugging and support; not for hot paths.
   */
  public String explain(String userAgent) {
    StringBuilder detail = new StringBuilder();
    BotReason reason = reason(userAgent, detail);
    return reason == null ? "human" : reason.label() + ": " + detail;
  }

  private BotReason reason(String ua, StringBuilder detail) {
    if (UserAgentHeuristics.isEmpty(ua)) {
      if (emptyUserAgents) {
        note(detail, "missing, blank or a placeholder");
        return BotReason.USER_AGENT_EMPTY;
      }
      return null;
    }
    if (invalidUserAgents) {
      String why = UserAgentHeuristics.invalid(ua, maxLength);
      if (why != null) {
        note(detail, why);
        return BotReason.USER_AGENT_INVALID;
      }
    }
    if (automationMarkers && automation.containsAny(ua)) {
      if (detail != null) {
        detail.append("automation marker ").append(firstMarker(ua));
      }
      return BotReason.USER_AGENT_AUTOMATION;
    }
    if (crawlerList || genericCrawlerRules) {
      String masked = UserAgentHeuristics.withoutDeviceModel(ua);
      if (crawlerList) {
        String pattern = crawlers.firstMatch(masked);
        if (pattern != null) {
          note(detail, "crawler-user-agents pattern '" + pattern + "'");
          return BotReason.USER_AGENT_CRAWLER;
        }
      }
      if (additionalCrawlers != null) {
        String pattern = additionalCrawlers.firstMatch(masked);
        if (pattern != null) {
          note(detail, "configured crawler pattern '" + pattern + "'");
          return BotReason.USER_AGENT_CRAWLER;
        }
      }
      if (genericCrawlerRules) {
        String why = UserAgentHeuristics.genericCrawler(masked);
        if (why != null) {
          note(detail, why);
          return BotReason.USER_AGENT_CRAWLER;
        }
      }
    }
    if (nonBrowserShapes) {
      String why = UserAgentHeuristics.nonBrowser(ua);
      if (why != null) {
        note(detail, why);
        return BotReason.USER_AGENT_NON_BROWSER;
      }
    }
    return null;
  }

  private String firstMarker(String ua) {
    final int[] first = {-1};
    automation.scan(
        ua,
        new LiteralMatcher.Visitor() {
          @Override
          public boolean visit(int literalId, int end) {
            first[0] = literalId;
            return true;
          }
        });
    return first[0] < 0 ? "?" : "'" + automationList.get(first[0]) + "'";
  }

  private static void note(StringBuilder detail, String text) {
    if (detail != null) {
      detail.append(text);
    }
  }

  /** Number of bundled crawler patterns in use (after exclusions). */
  public static int bundledCrawlerPatternCount() {
    return Bundled.CRAWLERS.size();
  }

  /** Configures a {@link UserAgentClassifier}. Every rule starts switched on. */
  public static final class Builder {
    private boolean emptyUserAgents = true;
    private boolean invalidUserAgents = true;
    private boolean automationMarkers = true;
    private boolean crawlerList = true;
    private boolean genericCrawlerRules = true;
    private boolean nonBrowserShapes = true;
    private int maxLength = UserAgentHeuristics.DEFAULT_MAX_LENGTH;
    private final List<String> additionalCrawlerPatterns = new ArrayList<>();
    private final List<String> additionalAutomationMarkers = new ArrayList<>();

    private Builder() {}

    /** Rule {@code user_agent_empty}. */
    public Builder emptyUserAgents(boolean on) {
      this.emptyUserAgents = on;
      return this;
    }

    /** Rule {@code user_agent_invalid}. */
    public Builder invalidUserAgents(boolean on) {
      this.invalidUserAgents = on;
      return this;
    }

    /** Rule {@code user_agent_automation} (bundled and additional markers). */
    public Builder automationMarkers(boolean on) {
      this.automationMarkers = on;
      return this;
    }

    /** The vendored crawler-user-agents list (reason {@code user_agent_crawler}). */
    public Builder crawlerList(boolean on) {
      this.crawlerList = on;
      return this;
    }

    /** Generic crawler tokens: links, "bot", "spider", HTTP libraries (reason crawler). */
    public Builder genericCrawlerRules(boolean on) {
      this.genericCrawlerRules = on;
      return this;
    }

    /** Rule {@code user_agent_non_browser}; switch off where native apps send user agents. */
    public Builder nonBrowserShapes(boolean on) {
      this.nonBrowserShapes = on;
      return this;
    }

    /** User agents longer than this are {@code user_agent_invalid}; default 1024. */
    public Builder maxLength(int maxLength) {
      if (maxLength < 16) {
        throw new IllegalArgumentException("maxLength must be at least 16, got " + maxLength);
      }
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Extra crawler patterns (Java regular expressions, case-sensitive, unanchored), checked after
     * the vendored list.
     *
     * @throws IllegalArgumentException at {@link #build()} if one does not compile
     */
    public Builder additionalCrawlerPatterns(Collection<String> patterns) {
      for (String pattern : patterns) {
        if (pattern == null || pattern.isEmpty()) {
          throw new IllegalArgumentException("empty crawler pattern");
        }
        additionalCrawlerPatterns.add(pattern);
      }
      return this;
    }

    /** Extra automation markers: case-insensitive literals. */
    public Builder additionalAutomationMarkers(Collection<String> markers) {
      for (String marker : markers) {
        if (marker == null || marker.trim().isEmpty()) {
          throw new IllegalArgumentException("empty automation marker");
        }
        additionalAutomationMarkers.add(marker.trim());
      }
      return this;
    }

    public UserAgentClassifier build() {
      return new UserAgentClassifier(this);
    }
  }

  /** The bundled lists, read and compiled once (class initialisation is lazy and thread-safe). */
  static final class Bundled {
    static final List<String> CRAWLER_PATTERNS;
    static final CrawlerPatternSet CRAWLERS;
    static final List<String> AUTOMATION_MARKERS;
    static final LiteralMatcher AUTOMATION;
    static final UserAgentClassifier DEFAULT;

    static {
      Set<String> excluded =
          new HashSet<>(BundledLists.lines(BundledLists.CRAWLER_EXCLUSIONS, true, false));
      List<String> patterns = new ArrayList<>();
      for (String pattern : BundledLists.lines(BundledLists.CRAWLER_PATTERNS, true, false)) {
        if (!excluded.contains(pattern)) {
          patterns.add(pattern);
        }
      }
      CRAWLER_PATTERNS = Collections.unmodifiableList(patterns);
      CRAWLERS = CrawlerPatternSet.compile(CRAWLER_PATTERNS, false);
      AUTOMATION_MARKERS = BundledLists.lines(BundledLists.AUTOMATION_MARKERS, true, true);
      AUTOMATION = LiteralMatcher.build(AUTOMATION_MARKERS, true);
      DEFAULT = new Builder().build();
    }

    private Bundled() {}
  }
}

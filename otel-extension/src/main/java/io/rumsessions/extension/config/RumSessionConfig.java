package io.rumsessions.extension.config;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The extension's configuration, read once from the agent's {@link ConfigProperties}: system
 * properties {@code otel.instrumentation.rum-session.*}, environment variables {@code
 * OTEL_INSTRUMENTATION_RUM_SESSION_*}, or the agent's configuration file. Immutable.
 *
 * <p>Every key and default is listed in {@code otel-extension/README.md}; {@code
 * RumSessionConfigTest} checks that the README table and this class agree.
 */
public final class RumSessionConfig {

  public static final String PREFIX = "otel.instrumentation.rum-session.";

  public static final String ENABLED = PREFIX + "enabled";
  public static final String SOURCES = PREFIX + "sources";
  public static final String HEADER = PREFIX + "header";
  public static final String PREVIOUS_HEADER = PREFIX + "previous-header";
  public static final String COOKIE = PREFIX + "cookie";
  public static final String PREVIOUS_COOKIE = PREFIX + "previous-cookie";
  public static final String MAX_LENGTH = PREFIX + "max-length";
  public static final String ID_PATTERN = PREFIX + "id-pattern";
  public static final String CHILD_SPANS = PREFIX + "child-spans";
  public static final String CONSENT_DEFAULT = PREFIX + "consent.default";
  public static final String CONSENT_HEADER = PREFIX + "consent.header";
  public static final String CONSENT_COOKIE = PREFIX + "consent.cookie";
  public static final String CONSENT_COOKIE_GRANTED = PREFIX + "consent.cookie-granted";
  public static final String CONSENT_COOKIE_DENIED = PREFIX + "consent.cookie-denied";
  public static final String CONSENT_GPC = PREFIX + "consent.gpc";
  public static final String BOTS_MODE = PREFIX + "bots.mode";
  public static final String BOTS_NON_BROWSER = PREFIX + "bots.non-browser";
  public static final String BOTS_IP_RANGES = PREFIX + "bots.ip-ranges";
  public static final String BOTS_TRUST_TRACED_CLIENTS = PREFIX + "bots.trust-traced-clients";
  public static final String BOTS_EXCLUDED_PATHS = PREFIX + "bots.excluded-paths";
  public static final String BOTS_CACHE_SIZE = PREFIX + "bots.cache-size";

  /** The processor's limit ({@code input.max-id-length}) and default. */
  public static final int DEFAULT_MAX_LENGTH = 128;

  public static final List<String> DEFAULT_EXCLUDED_PATHS =
      Collections.unmodifiableList(
          Arrays.asList(
              "/health",
              "/health/*",
              "/healthz",
              "/livez",
              "/readyz",
              "/actuator/health",
              "/actuator/health/*",
              "/q/health",
              "/q/health/*"));

  private final boolean enabled;
  private final List<SessionSource> sources;
  private final String header;
  private final String previousHeader;
  private final String cookie;
  private final String previousCookie;
  private final int maxLength;
  private final Pattern idPattern;
  private final boolean childSpans;
  private final boolean consentGrantedByDefault;
  private final String consentHeader;
  private final String consentCookie;
  private final Pattern consentCookieGranted;
  private final Pattern consentCookieDenied;
  private final boolean honorGpc;
  private final BotMode botMode;
  private final boolean botNonBrowser;
  private final List<String> botIpRanges;
  private final boolean trustTracedClients;
  private final List<String> excludedPaths;
  private final int botCacheSize;

  private RumSessionConfig(ConfigProperties c) {
    this.enabled = c.getBoolean(ENABLED, true);
    this.sources = parseSources(c.getList(SOURCES, Arrays.asList("baggage", "header", "cookie")));
    this.header = headerName(c, HEADER, "x-rum-session-id");
    this.previousHeader = headerName(c, PREVIOUS_HEADER, "x-rum-session-previous-id");
    this.cookie = cookieName(c, COOKIE);
    this.previousCookie = cookieName(c, PREVIOUS_COOKIE);
    this.maxLength = c.getInt(MAX_LENGTH, DEFAULT_MAX_LENGTH);
    if (maxLength < 1 || maxLength > 4096) {
      throw new ConfigurationException(MAX_LENGTH + ": expected 1 to 4096, got " + maxLength);
    }
    this.idPattern = pattern(c, ID_PATTERN, null);
    this.childSpans = c.getBoolean(CHILD_SPANS, true);
    String consentDefault = c.getString(CONSENT_DEFAULT, "denied").trim().toLowerCase(Locale.ROOT);
    if (!consentDefault.equals("denied") && !consentDefault.equals("granted")) {
      throw new ConfigurationException(
          CONSENT_DEFAULT + ": expected granted or denied, got " + consentDefault);
    }
    this.consentGrantedByDefault = consentDefault.equals("granted");
    this.consentHeader = headerName(c, CONSENT_HEADER, "x-rum-consent");
    this.consentCookie = cookieName(c, CONSENT_COOKIE);
    this.consentCookieGranted = pattern(c, CONSENT_COOKIE_GRANTED, "^(?i:granted|true)$");
    this.consentCookieDenied = pattern(c, CONSENT_COOKIE_DENIED, "^(?i:denied|false)$");
    this.honorGpc = c.getBoolean(CONSENT_GPC, true);
    String mode = c.getString(BOTS_MODE, "mark");
    this.botMode = BotMode.parse(mode);
    if (botMode == null) {
      throw new ConfigurationException(BOTS_MODE + ": expected off, mark or drop, got " + mode);
    }
    this.botNonBrowser = c.getBoolean(BOTS_NON_BROWSER, false);
    this.botIpRanges = Collections.unmodifiableList(new ArrayList<>(c.getList(BOTS_IP_RANGES)));
    this.trustTracedClients = c.getBoolean(BOTS_TRUST_TRACED_CLIENTS, true);
    this.excludedPaths =
        Collections.unmodifiableList(
            new ArrayList<>(c.getList(BOTS_EXCLUDED_PATHS, DEFAULT_EXCLUDED_PATHS)));
    for (String p : excludedPaths) {
      if (!p.startsWith("/")) {
        throw new ConfigurationException(
            BOTS_EXCLUDED_PATHS + ": paths start with '/', got " + p);
      }
    }
    this.botCacheSize = c.getInt(BOTS_CACHE_SIZE, 4096);
    if (botCacheSize < 16 || botCacheSize > (1 << 20) || Integer.bitCount(botCacheSize) != 1) {
      throw new ConfigurationException(
          BOTS_CACHE_SIZE + ": expected a power of two from 16 to 1048576, got " + botCacheSize);
    }
  }

  /** Reads and validates the configuration; throws {@link ConfigurationException} if invalid. */
  public static RumSessionConfig from(ConfigProperties config) {
    return new RumSessionConfig(config);
  }

  private static List<SessionSource> parseSources(List<String> values) {
    Set<SessionSource> out = new LinkedHashSet<>();
    for (String v : values) {
      SessionSource s = SessionSource.parse(v);
      if (s == null) {
        throw new ConfigurationException(
            SOURCES + ": expected baggage, header or cookie, got " + v);
      }
      out.add(s);
    }
    return Collections.unmodifiableList(new ArrayList<>(out));
  }

  /** A header name, lower-cased (the agent's attribute keys are lower case); "" when switched off. */
  private static String headerName(ConfigProperties c, String key, String defaultValue) {
    String v = c.getString(key, defaultValue).trim().toLowerCase(Locale.ROOT);
    if (!isToken(v)) {
      throw new ConfigurationException(key + ": not a valid header name: " + v);
    }
    return v;
  }

  /** A cookie name, case kept (cookie names are case-sensitive); "" when switched off. */
  private static String cookieName(ConfigProperties c, String key) {
    String v = c.getString(key, "").trim();
    if (!isToken(v)) {
      throw new ConfigurationException(key + ": not a valid cookie name: " + v);
    }
    return v;
  }

  /** RFC 9110 token characters; the empty string is allowed (switched off). */
  private static boolean isToken(String v) {
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      boolean ok =
          (ch >= 'a' && ch <= 'z')
              || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(ch) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static Pattern pattern(ConfigProperties c, String key, String defaultValue) {
    String v = c.getString(key, defaultValue);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Pattern.compile(v);
    } catch (PatternSyntaxException e) {
      throw new ConfigurationException(key + ": not a regular expression: " + e.getMessage(), e);
    }
  }

  public boolean enabled() {
    return enabled;
  }

  /** Session id sources in precedence order; the first that yields a valid id wins. */
  public List<SessionSource> sources() {
    return sources;
  }

  /** Lower-case request header carrying the session id, or "" if none. */
  public String header() {
    return header;
  }

  /** Lower-case request header carrying the previous session id, or "" if none. */
  public String previousHeader() {
    return previousHeader;
  }

  /** Cookie carrying the session id, or "" if none. */
  public String cookie() {
    return cookie;
  }

  /** Cookie carrying the previous session id, or "" if none. */
  public String previousCookie() {
    return previousCookie;
  }

  public int maxLength() {
    return maxLength;
  }

  /** An extra format a session id must match in full, or null. */
  public Pattern idPattern() {
    return idPattern;
  }

  public boolean childSpans() {
    return childSpans;
  }

  public boolean consentGrantedByDefault() {
    return consentGrantedByDefault;
  }

  /** Lower-case request header carrying {@code granted} or {@code denied}, or "" if none. */
  public String consentHeader() {
    return consentHeader;
  }

  /** A consent manager's cookie, or "" if none. */
  public String consentCookie() {
    return consentCookie;
  }

  /** Searched in the URL-decoded consent cookie value: a match means granted. */
  public Pattern consentCookieGranted() {
    return consentCookieGranted;
  }

  /** Searched in the URL-decoded consent cookie value: a match means denied (wins). */
  public Pattern consentCookieDenied() {
    return consentCookieDenied;
  }

  /** Whether {@code Sec-GPC: 1} means denied. */
  public boolean honorGpc() {
    return honorGpc;
  }

  public BotMode botMode() {
    return botMode;
  }

  /** Whether user agents not shaped like a browser's count as bots. */
  public boolean botNonBrowser() {
    return botNonBrowser;
  }

  public List<String> botIpRanges() {
    return botIpRanges;
  }

  /**
   * Whether a request continuing a trace from another service is judged only by the rules that
   * library clients cannot trip (automation markers, invalid user agents, IP ranges).
   */
  public boolean trustTracedClients() {
    return trustTracedClients;
  }

  /** Paths treated as synthetic ({@code test}): exact, or a prefix when ending in {@code *}. */
  public List<String> excludedPaths() {
    return excludedPaths;
  }

  public int botCacheSize() {
    return botCacheSize;
  }

  /** Whether any configured source or signal needs the {@code Cookie} request header. */
  public boolean needsCookieHeader() {
    boolean sessionCookie =
        sources.contains(SessionSource.COOKIE) && (!cookie.isEmpty() || !previousCookie.isEmpty());
    return sessionCookie || !consentCookie.isEmpty();
  }

  /**
   * The request headers the agent must capture for this configuration, lower case, without
   * duplicates, in a stable order.
   */
  public List<String> headersToCapture() {
    Set<String> out = new LinkedHashSet<>();
    if (sources.contains(SessionSource.HEADER)) {
      addIfSet(out, header);
      addIfSet(out, previousHeader);
    }
    addIfSet(out, consentHeader);
    if (honorGpc) {
      out.add("sec-gpc");
    }
    if (needsCookieHeader()) {
      out.add("cookie");
    }
    return Collections.unmodifiableList(new ArrayList<>(out));
  }

  private static void addIfSet(Set<String> out, String name) {
    if (!name.isEmpty()) {
      out.add(name);
    }
  }
}

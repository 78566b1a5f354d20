package io.rumsessions.extension.bots;

import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.rules.bots.BotReason;
import io.rumsessions.rules.bots.CachingUserAgentClassifier;
import io.rumsessions.rules.bots.CidrSet;
import io.rumsessions.rules.bots.UserAgentClassifier;

/**
 * The processor's bot rules (rum-rules: IP ranges, user-agent patterns, automation markers),
 * applied to what an HTTP server span knows at start, plus excluded paths.
 *
 * <p>Differences from the processor, because a backend also serves other programs: user agents
 * not shaped like a browser's are not bots unless {@code bots.non-browser} is set (native apps
 * call backends), and with {@code bots.trust-traced-clients} a request that continues a trace
 * from another service (a remote parent) is not judged by the rules a library client trips
 * (empty user agent, crawler words such as {@code okhttp} or {@code python-requests}, non-browser
 * shape); automation markers, invalid user agents and IP ranges still apply. Referrer spam and
 * automation flags are browser-side signals and are left to the processor: the layers used here
 * are the processor's layer 2 (IP ranges) and 3 (user agent), in that order, without loading the
 * referrer-spam list.
 *
 * <p>Thread-safe; a cached verdict costs about as much as a hash lookup.
 */
public final class BotDetector {

  private final CidrSet ipRanges;
  private final CachingUserAgentClassifier userAgents;
  private final PathMatcher excludedPaths;
  private final boolean trustTracedClients;

  public BotDetector(RumSessionConfig config) {
    UserAgentClassifier classifier =
        UserAgentClassifier.builder().nonBrowserShapes(config.botNonBrowser()).build();
    this.ipRanges = config.botIpRanges().isEmpty() ? null : CidrSet.parse(config.botIpRanges());
    this.userAgents = new CachingUserAgentClassifier(classifier, config.botCacheSize());
    this.excludedPaths = new PathMatcher(config.excludedPaths());
    this.trustTracedClients = config.trustTracedClients();
  }

  /**
   * The decision for a request, or null for a person's request.
   *
   * @param userAgent {@code user_agent.original}, may be null
   * @param path {@code url.path}, may be null
   * @param clientAddress {@code client.address}, may be null
   * @param tracedClient whether the request continues a trace from another service
   */
  public BotDecision decide(String userAgent, String path, String clientAddress, boolean tracedClient) {
    if (excludedPaths.matches(path)) {
      return BotDecision.EXCLUDED_PATH;
    }
    if (ipRanges != null && ipRanges.contains(clientAddress)) {
      return BotDecision.of(BotReason.IP_RANGE);
    }
    BotReason reason = userAgents.classify(userAgent).botReason();
    if (reason == null) {
      return null;
    }
    if (tracedClient && trustTracedClients && trippedByLibraryClients(reason)) {
      return null;
    }
    return BotDecision.of(reason);
  }

  private static boolean trippedByLibraryClients(BotReason reason) {
    return reason == BotReason.USER_AGENT_EMPTY
        || reason == BotReason.USER_AGENT_CRAWLER
        || reason == BotReason.USER_AGENT_NON_BROWSER;
  }
}

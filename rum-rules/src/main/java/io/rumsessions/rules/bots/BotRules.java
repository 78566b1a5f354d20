package io.rumsessions.rules.bots;

/**
 * Layers 1 to 4 of the bot rules, as one pure function over what a span says about its client:
 *
 * <ol>
 *   <li>referrer spam ({@link ReferrerSpamList}) - reason {@code referrer_spam};
 *   <li>IP ranges ({@link CidrSet}) - reason {@code ip_range};
 *   <li>user agent: {@code user_agent.synthetic.type} set by a producer (reason {@code
 *       synthetic_attribute}), then the {@link UserAgentClassifier} rules (cached);
 *   <li>client automation flags such as {@code navigator.webdriver} - reason {@code
 *       automation_flag}.
 * </ol>
 *
 * <p>The first layer that matches names the reason. Layer 5 (behaviour) needs state across a
 * session and lives in the processor. Each layer is switched on or off in the {@link Builder}.
 * Thread-safe.
 */
public final class BotRules {

  private final ReferrerSpamList referrerSpam;
  private final CidrSet ipRanges;
  private final boolean syntheticAttribute;
  private final CachingUserAgentClassifier userAgents;
  private final boolean userAgentRules;
  private final boolean automationFlag;

  private BotRules(Builder b) {
    this.referrerSpam = b.referrerSpam;
    this.ipRanges = b.ipRanges;
    this.syntheticAttribute = b.syntheticAttribute;
    this.userAgents = new CachingUserAgentClassifier(b.classifier, b.cacheCapacity);
    this.userAgentRules = b.userAgentRules;
    this.automationFlag = b.automationFlag;
  }

  /** Every layer on, the bundled lists, no IP ranges, a cache of the default size. */
  public static BotRules defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The reason this client is a bot, or null for a human (as far as layers 1 to 4 can tell).
   *
   * @param userAgent {@code user_agent.original} (or legacy {@code http.user_agent}); may be null
   * @param referrer the page referrer URL or host; may be null
   * @param clientAddress {@code client.address}; may be null
   * @param syntheticType {@code user_agent.synthetic.type}; null or empty when not set
   * @param automationFlagSet whether the client reported an automation flag
   */
  public BotReason evaluate(String userAgent, String referrer, String clientAddress,
      String syntheticType, boolean automationFlagSet) {
    if (referrerSpam != null && referrerSpam.isSpamReferrer(referrer)) {
      return BotReason.REFERRER_SPAM;
    }
    if (ipRanges != null && ipRanges.contains(clientAddress)) {
      return BotReason.IP_RANGE;
    }
    if (syntheticAttribute && syntheticType != null && !syntheticType.trim().isEmpty()) {
      return BotReason.SYNTHETIC_ATTRIBUTE;
    }
    if (userAgentRules) {
      BotReason reason = userAgents.classify(userAgent).botReason();
      if (reason != null) {
        return reason;
      }
    }
    if (automationFlag && automationFlagSet) {
      return BotReason.AUTOMATION_FLAG;
    }
    return null;
  }

  /**
   * The cached user-agent verdict, for the device and browser labels (and the layer 3 result
   * alone). Available even when the user-agent layer is switched off for bot decisions.
   */
  public UserAgentVerdict userAgentVerdict(String userAgent) {
    return userAgents.classify(userAgent);
  }

  /**
   * Reads an automation flag attribute value: {@code true}, {@code 1} and {@code yes} (any case)
   * are set; anything else, including null, is not.
   */
  public static boolean isFlagSet(String attributeValue) {
    if (attributeValue == null) {
      return false;
    }
    String v = attributeValue.trim();
    return v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes");
  }

  /** Configures {@link BotRules}; every layer starts on. */
  public static final class Builder {
    private ReferrerSpamList referrerSpam = ReferrerSpamList.fromBundledList();
    private CidrSet ipRanges = CidrSet.empty();
    private boolean syntheticAttribute = true;
    private UserAgentClassifier classifier = UserAgentClassifier.fromBundledLists();
    private int cacheCapacity = CachingUserAgentClassifier.DEFAULT_CAPACITY;
    private boolean userAgentRules = true;
    private boolean automationFlag = true;

    private Builder() {}

    /** Layer 1 list; null switches the layer off. */
    public Builder referrerSpam(ReferrerSpamList list) {
      this.referrerSpam = list;
      return this;
    }

    /** Layer 2 ranges; null or empty switches the layer off. */
    public Builder ipRanges(CidrSet ranges) {
      this.ipRanges = ranges == null || ranges.isEmpty() ? null : ranges;
      return this;
    }

    /** Layer 3: trust {@code user_agent.synthetic.type} set by a producer. */
    public Builder syntheticAttribute(boolean on) {
      this.syntheticAttribute = on;
      return this;
    }

    /** Layer 3: the user-agent rules (the classifier's own switches pick which rules). */
    public Builder userAgentRules(boolean on) {
      this.userAgentRules = on;
      return this;
    }

    public Builder userAgentClassifier(UserAgentClassifier classifier) {
      if (classifier == null) {
        throw new NullPointerException("classifier");
      }
      this.classifier = classifier;
      return this;
    }

    /** Slots in the verdict cache (rounded up to a power of two). */
    public Builder userAgentCacheCapacity(int capacity) {
      this.cacheCapacity = capacity;
      return this;
    }

    /** Layer 4: client automation flags. */
    public Builder automationFlag(boolean on) {
      this.automationFlag = on;
      return this;
    }

    public BotRules build() {
      return new BotRules(this);
    }
  }
}

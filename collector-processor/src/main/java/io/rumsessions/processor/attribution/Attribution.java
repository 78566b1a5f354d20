package io.rumsessions.processor.attribution;

/**
 * How a session came to the site, fixed at its start. Values are normalised (see
 * {@link ParamValues}); GA4's conventions fill what is missing:
 *
 * <ul>
 *   <li>direct (no campaign parameters, no or same-site referrer): source {@code (direct)},
 *       medium {@code (none)}, campaign {@code (direct)};
 *   <li>untagged referrer: source = the known source name or the referrer host without
 *       {@code www.}; medium {@code organic} (search engines), {@code email} (webmail) or
 *       {@code referral}; campaign {@code (organic)} or {@code (referral)};
 *   <li>tagged URL with a parameter missing: {@code (not set)}.
 * </ul>
 *
 * Term and content are {@code (not set)} unless the URL carries them. They are not labels.
 */
public record Attribution(String source, String medium, String campaign, String term, String content, Channel channel) {
  public static final String DIRECT = "(direct)";
  public static final String NONE = "(none)";
  public static final String NOT_SET = "(not set)";
  public static final String ORGANIC = "(organic)";
  public static final String REFERRAL = "(referral)";

  /** Direct traffic: (direct) / (none), campaign (direct). */
  public static Attribution direct() {
    return DirectHolder.DIRECT_ATTRIBUTION;
  }

  private static final class DirectHolder {
    static final Attribution DIRECT_ATTRIBUTION = new Attribution(DIRECT, NONE, DIRECT, NOT_SET, NOT_SET, Channel.DIRECT);
  }

  /** The channel's label value, e.g. {@code organic_search}. */
  public String channelLabel() {
    return channel.label();
  }
}

package io.rumsessions.processor.attribution;

/**
 * GA4's default channel group rules for manual (non-Google-Ads-linked) traffic, in order, first
 * match wins. Source, medium and campaign are compared case-insensitively (callers pass
 * normalised lower-case values; anything else is lower-cased here). The rule table, with GA4's
 * own wording, is in ATTRIBUTION.md.
 *
 * <pre>
 *  1 cross_network     campaign contains "cross-network"
 *  2 paid_shopping     (shopping source OR shopping campaign) AND paid medium
 *  3 paid_search       search source AND paid medium
 *  4 paid_social       social source AND paid medium
 *  5 paid_video        video source AND paid medium
 *  6 display           medium is display | banner | expandable | interstitial | cpm
 *  7 paid_other        paid medium
 *  8 organic_shopping  shopping source OR shopping campaign
 *  9 organic_social    social source OR medium is social | social-network | social-media | sm | social network | social media
 * 10 organic_video     video source OR medium contains "video"
 * 11 organic_search    search source OR medium is organic
 * 12 email             source or medium is email | e-mail | e_mail | e mail
 * 13 affiliates        medium is affiliate
 * 14 audio             medium is audio
 * 15 sms               source or medium is sms
 * 16 mobile_push       medium ends with "push", or contains "mobile" or "notification", or source is firebase
 * 17 referral          medium is referral | app | link
 * 18 direct            source is (direct) AND medium is (none) | (not set)
 * 19 unassigned        nothing above matched
 * </pre>
 *
 * Paid medium is GA4's {@code ^(.*cp.*|ppc|retargeting|paid.*)$}; shopping campaign is GA4's
 * {@code ^(.*(([^a-df-z]|^)shop|shopping).*)$}. Source categories come from {@link SourceLists}.
 */
public final class ChannelRules {
  private final SourceLists lists;

  public ChannelRules(SourceLists lists) {
    this.lists = lists;
  }

  /** The channel for (source, medium, campaign); nulls count as "(not set)". */
  public Channel classify(String source, String medium, String campaign) {
    String s = lower(source);
    String m = lower(medium);
    String c = lower(campaign);
    SourceCategory category = lists.category(s);
    boolean paid = isPaidMedium(m);
    boolean shopping = category == SourceCategory.SHOPPING || isShoppingCampaign(c);

    if (c.contains("cross-network")) return Channel.CROSS_NETWORK;
    if (shopping && paid) return Channel.PAID_SHOPPING;
    if (category == SourceCategory.SEARCH && paid) return Channel.PAID_SEARCH;
    if (category == SourceCategory.SOCIAL && paid) return Channel.PAID_SOCIAL;
    if (category == SourceCategory.VIDEO && paid) return Channel.PAID_VIDEO;
    if (isDisplayMedium(m)) return Channel.DISPLAY;
    if (paid) return Channel.PAID_OTHER;
    if (shopping) return Channel.ORGANIC_SHOPPING;
    if (category == SourceCategory.SOCIAL || isSocialMedium(m)) return Channel.ORGANIC_SOCIAL;
    if (category == SourceCategory.VIDEO || m.contains("video")) return Channel.ORGANIC_VIDEO;
    if (category == SourceCategory.SEARCH || m.equals("organic")) return Channel.ORGANIC_SEARCH;
    if (isEmail(s) || isEmail(m)) return Channel.EMAIL;
    if (m.equals("affiliate")) return Channel.AFFILIATES;
    if (m.equals("audio")) return Channel.AUDIO;
    if (s.equals("sms") || m.equals("sms")) return Channel.SMS;
    if (m.endsWith("push") || m.contains("mobile") || m.contains("notification") || s.equals("firebase")) return Channel.MOBILE_PUSH;
    if (m.equals("referral") || m.equals("app") || m.equals("link")) return Channel.REFERRAL;
    if (s.equals(Attribution.DIRECT) && (m.equals(Attribution.NONE) || m.equals(Attribution.NOT_SET))) return Channel.DIRECT;
    return Channel.UNASSIGNED;
  }

  /** GA4: medium matches {@code ^(.*cp.*|ppc|retargeting|paid.*)$}. */
  static boolean isPaidMedium(String m) {
    return m.contains("cp") || m.equals("ppc") || m.equals("retargeting") || m.startsWith("paid");
  }

  /**
   * GA4: campaign matches {@code ^(.*(([^a-df-z]|^)shop|shopping).*)$}: "shopping" anywhere, or
   * "shop" at the start or after a character that is not a lower-case letter other than 'e'
   * ("eshop", "summer-shop" and "shop_now" count; "workshop" does not).
   */
  static boolean isShoppingCampaign(String c) {
    if (c.contains("shopping")) return true;
    for (int i = c.indexOf("shop"); i >= 0; i = c.indexOf("shop", i + 1)) {
      if (i == 0) return true;
      char before = c.charAt(i - 1);
      boolean excluded = (before >= 'a' && before <= 'd') || (before >= 'f' && before <= 'z');
      if (!excluded) return true;
    }
    return false;
  }

  static boolean isDisplayMedium(String m) {
    return switch (m) {
      case "display", "banner", "expandable", "interstitial", "cpm" -> true;
      default -> false;
    };
  }

  static boolean isSocialMedium(String m) {
    return switch (m) {
      case "social", "social-network", "social-media", "sm", "social network", "social media" -> true;
      default -> false;
    };
  }

  static boolean isEmail(String v) {
    return switch (v) {
      case "email", "e-mail", "e_mail", "e mail" -> true;
      default -> false;
    };
  }

  private static String lower(String v) {
    if (v == null || v.isEmpty()) return Attribution.NOT_SET;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if ((c >= 'A' && c <= 'Z') || c > 127) return v.toLowerCase(java.util.Locale.ROOT);
    }
    return v;
  }
}

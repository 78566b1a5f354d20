package io.rumsessions.processor.attribution;

/**
 * GA4's default channel group, in rule order (first match wins; see {@link ChannelRules}).
 * {@link #label()} is the Prometheus label value.
 */
public enum Channel {
  CROSS_NETWORK("cross_network", "Cross-network"),
  PAID_SHOPPING("paid_shopping", "Paid Shopping"),
  PAID_SEARCH("paid_search", "Paid Search"),
  PAID_SOCIAL("paid_social", "Paid Social"),
  PAID_VIDEO("paid_video", "Paid Video"),
  DISPLAY("display", "Display"),
  PAID_OTHER("paid_other", "Paid Other"),
  ORGANIC_SHOPPING("organic_shopping", "Organic Shopping"),
  ORGANIC_SOCIAL("organic_social", "Organic Social"),
  ORGANIC_VIDEO("organic_video", "Organic Video"),
  ORGANIC_SEARCH("organic_search", "Organic Search"),
  EMAIL("email", "Email"),
  AFFILIATES("affiliates", "Affiliates"),
  AUDIO("audio", "Audio"),
  SMS("sms", "SMS"),
  MOBILE_PUSH("mobile_push", "Mobile Push Notifications"),
  REFERRAL("referral", "Referral"),
  DIRECT("direct", "Direct"),
  UNASSIGNED("unassigned", "Unassigned");

  private final String label;
  private final String ga4Name;

  Channel(String label, String ga4Name) {
    this.label = label;
    this.ga4Name = ga4Name;
  }

  /** Lower-case snake_case label value, e.g. {@code paid_search}. */
  public String label() {
    return label;
  }

  /** The channel's name in GA4 reports, e.g. {@code Paid Search}. */
  public String ga4Name() {
    return ga4Name;
  }

  /** The channel for a label value, or null. */
  public static Channel fromLabel(String label) {
    for (Channel c : values()) {
      if (c.label.equals(label)) return c;
    }
    return null;
  }

  @Override
  public String toString() {
    return label;
  }
}

package io.rumsessions.processor.attribution;

/**
 * Ad-network click ids in a landing URL. Each implies paid traffic from its network: when the
 * URL has no {@code utm_source} / {@code utm_medium}, the click id supplies them. The first eight
 * are the ones the issue names; the last five are the same idea for other networks.
 *
 * <p>Caveat, documented in ATTRIBUTION.md: Meta appends {@code fbclid} to outbound links from
 * organic posts too, so untagged organic Facebook clicks count as paid social. Tag organic
 * posts ({@code utm_medium=social}) to tell them apart.
 */
public enum ClickId {
  GCLID("gclid", "google", "cpc"),
  GBRAID("gbraid", "google", "cpc"),
  WBRAID("wbraid", "google", "cpc"),
  MSCLKID("msclkid", "bing", "cpc"),
  FBCLID("fbclid", "facebook", "cpc"),
  TWCLID("twclid", "twitter", "cpc"),
  TTCLID("ttclid", "tiktok", "cpc"),
  LI_FAT_ID("li_fat_id", "linkedin", "cpc"),
  DCLID("dclid", "google", "display"),
  YCLID("yclid", "yandex", "cpc"),
  RDT_CID("rdt_cid", "reddit", "cpc"),
  SCCID("sccid", "snapchat", "cpc"),
  EPIK("epik", "pinterest", "cpc");

  private final String parameter;
  private final String source;
  private final String medium;

  ClickId(String parameter, String source, String medium) {
    this.parameter = parameter;
    this.source = source;
    this.medium = medium;
  }

  /** The query parameter name (matched case-insensitively). */
  public String parameter() {
    return parameter;
  }

  /** The source it implies. */
  public String source() {
    return source;
  }

  /** The medium it implies. */
  public String medium() {
    return medium;
  }
}

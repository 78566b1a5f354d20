package io.rumsessions.processor.attribution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Attributes a session at its start from its landing page URL and referrer, the way GA4 and
 * Plausible do, and classifies it into GA4's default channel group.
 *
 * <ol>
 *   <li>Campaign parameters in the landing URL ({@code utm_*}, {@code mtm_*}, {@code pk_*},
 *       {@code source}, {@code ref}) and ad click ids ({@link ClickId}) make the session
 *       "tagged": explicit parameters win, a click id fills in a missing source and medium.
 *       A missing source is taken from an external referrer; when both source and medium are
 *       missing the referrer (or direct) decides them and the URL keeps campaign, term, content.
 *   <li>Otherwise an external referrer decides: a known search engine gives
 *       {@code <engine> / organic}, webmail {@code <provider> / email}, any other known or
 *       unknown site {@code <name or host> / referral}.
 *   <li>Otherwise (no referrer, or a same-site one) the session is direct.
 * </ol>
 *
 * Construct once; thread-safe. {@link #attribute} returns full values for span attributes;
 * {@link #labelValues} bounds them for metric labels.
 */
public final class CampaignAttributor {
  private final SourceLists lists;
  private final ChannelRules rules;
  private final CampaignRegistry registry;
  private final AttributionLabels labels;
  private final List<String> sameSiteDomains;

  /** Bundled lists, default label limit ({@value AttributionLabels#DEFAULT_MAX_VALUES}). */
  public static CampaignAttributor withBundledLists(CampaignRegistry registry) {
    return new CampaignAttributor(SourceLists.bundled(), registry);
  }

  public CampaignAttributor(SourceLists lists, CampaignRegistry registry) {
    this(lists, registry, AttributionLabels.DEFAULT_MAX_VALUES, List.of());
  }

  /**
   * @param maxLabelValues unregistered values kept per label dimension before {@code other}
   * @param sameSiteDomains further domains whose referrers count as same-site (the site's other
   *     hosts, a payment provider it returns from); each matches itself and its subdomains
   */
  public CampaignAttributor(SourceLists lists, CampaignRegistry registry, int maxLabelValues, Collection<String> sameSiteDomains) {
    this.lists = lists;
    this.rules = new ChannelRules(lists);
    this.registry = registry;
    this.labels = new AttributionLabels(registry, maxLabelValues, lists);
    List<String> domains = new ArrayList<>();
    for (String d : sameSiteDomains) {
      String h = Hosts.stripWww(Hosts.host(d.trim()));
      if (!h.isEmpty()) domains.add(h);
    }
    this.sameSiteDomains = List.copyOf(domains);
  }

  /**
   * The session's attribution.
   *
   * @param landingUrl the first page's full URL (query and fragment included); may be null
   * @param referrer the document referrer the producer sent; null or empty for none
   * @param siteHost the site's host (same-site referrers are ignored); null or empty to use the
   *     landing URL's host
   */
  public Attribution attribute(String landingUrl, String referrer, String siteHost) {
    CampaignParams p = CampaignParams.scan(landingUrl);
    String refHost = Hosts.referrerHost(referrer);
    String site = siteHost == null || siteHost.isEmpty() ? Hosts.host(landingUrl) : Hosts.host(siteHost);
    boolean external = !refHost.isEmpty() && !isSameSite(refHost, site);

    if (!p.tagged()) {
      return external ? fromReferrer(refHost, null, null, null) : Attribution.direct();
    }
    String source = lists.canonicalSource(p.get(CampaignParams.SOURCE));
    String medium = p.get(CampaignParams.MEDIUM);
    String campaign = p.get(CampaignParams.CAMPAIGN);
    if (campaign == null) campaign = p.get(CampaignParams.CAMPAIGN_ID);
    String term = p.get(CampaignParams.TERM);
    String content = p.get(CampaignParams.CONTENT);
    if (p.clickId != null) {
      if (source == null) source = p.clickId.source();
      if (medium == null) medium = p.clickId.medium();
    }
    if (source == null && medium == null) {
      Attribution base = external ? fromReferrer(refHost, campaign, term, content) : null;
      if (base != null) return base;
      return finish(Attribution.DIRECT, Attribution.NONE, campaign == null ? Attribution.DIRECT : campaign, term, content);
    }
    if (source == null && external) source = referrerSource(refHost);
    if (medium == null && p.alternateSource) medium = "referral";
    return finish(orNotSet(source), orNotSet(medium), orNotSet(campaign), term, content);
  }

  /** The channel GA4's rules give (source, medium, campaign). */
  public Channel channel(String source, String medium, String campaign) {
    return rules.classify(source, medium, campaign);
  }

  /** The attribution with source, medium and campaign bounded for use as label values. */
  public Attribution labelValues(Attribution attribution) {
    return labels.bound(attribution);
  }

  public AttributionLabels labels() {
    return labels;
  }

  public CampaignRegistry registry() {
    return registry;
  }

  public SourceLists sourceLists() {
    return lists;
  }

  private boolean isSameSite(String refHost, String site) {
    if (Hosts.sameSite(refHost, site)) return true;
    for (String d : sameSiteDomains) {
      if (Hosts.isSameOrSubdomain(refHost, d) || Hosts.isSameOrSubdomain(Hosts.stripWww(refHost), d)) return true;
    }
    return false;
  }

  private Attribution fromReferrer(String refHost, String campaign, String term, String content) {
    KnownSource known = lists.lookupHost(refHost);
    String source;
    String medium;
    String defaultCampaign;
    if (known == null) {
      source = referrerSource(refHost);
      medium = "referral";
      defaultCampaign = Attribution.REFERRAL;
    } else {
      source = known.name();
      switch (known.category()) {
        case SEARCH -> {
          medium = "organic";
          defaultCampaign = Attribution.ORGANIC;
        }
        case EMAIL -> {
          medium = "email";
          defaultCampaign = Attribution.REFERRAL;
        }
        default -> {
          medium = "referral";
          defaultCampaign = Attribution.REFERRAL;
        }
      }
    }
    return finish(source, medium, campaign == null ? defaultCampaign : campaign, term, content);
  }

  private String referrerSource(String refHost) {
    KnownSource known = lists.lookupHost(refHost);
    if (known != null) return known.name();
    String h = Hosts.stripWww(refHost);
    return h.length() > ParamValues.MAX_LENGTH ? h.substring(0, ParamValues.MAX_LENGTH) : h.toLowerCase(Locale.ROOT);
  }

  private Attribution finish(String source, String medium, String campaign, String term, String content) {
    Channel channel = rules.classify(source, medium, campaign);
    return new Attribution(source, medium, campaign, orNotSet(term), orNotSet(content), channel);
  }

  private static String orNotSet(String v) {
    return v == null ? Attribution.NOT_SET : v;
  }
}

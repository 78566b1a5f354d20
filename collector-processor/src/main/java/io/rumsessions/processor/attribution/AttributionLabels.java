package io.rumsessions.processor.attribution;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The bounded label values of an {@link Attribution}: one {@link LabelLimiter} each for source,
 * medium and campaign. Registered values (from the {@link CampaignRegistry}) and GA4's
 * conventional values ({@code (direct)}, {@code (none)}, {@code (not set)}, the standard
 * mediums) are always kept; up to {@code maxValuesPerDimension} other values per dimension are
 * kept in order of first sight; the rest become {@code other}. The channel needs no limit (19
 * values).
 */
public final class AttributionLabels {
  /** Default for {@code maxValuesPerDimension}. */
  public static final int DEFAULT_MAX_VALUES = 50;

  /** Mediums GA4's rules name, plus the conventional ones: always kept, the set is fixed. */
  static final List<String> STANDARD_MEDIUMS = List.of(
      Attribution.NONE, Attribution.NOT_SET, "organic", "referral", "cpc", "ppc", "paid", "retargeting",
      "display", "banner", "cpm", "social", "paid_social", "email", "affiliate", "audio", "sms", "push",
      "video", "app", "link");

  private final LabelLimiter sources;
  private final LabelLimiter mediums;
  private final LabelLimiter campaigns;
  /** Recent label-value combinations, by hash; a collision replaces, it never mixes values up. */
  private final Attribution[] shared = new Attribution[1024];

  /** Limits with the bundled source lists (registered sources are canonicalised by them). */
  public AttributionLabels(CampaignRegistry registry, int maxValuesPerDimension) {
    this(registry, maxValuesPerDimension, SourceLists.bundled());
  }

  /**
   * @param lists canonicalises registered sources the way the attributor does
   *     ({@code facebook.com} registered is kept as {@code facebook})
   */
  public AttributionLabels(CampaignRegistry registry, int maxValuesPerDimension, SourceLists lists) {
    Set<String> s = new HashSet<>();
    for (String source : registry.registeredSources()) s.add(lists.canonicalSource(source));
    s.add(Attribution.DIRECT);
    s.add(Attribution.NOT_SET);
    Set<String> m = new HashSet<>(registry.registeredMediums());
    m.addAll(STANDARD_MEDIUMS);
    Set<String> c = new HashSet<>(registry.registeredCampaigns());
    c.addAll(List.of(Attribution.DIRECT, Attribution.NOT_SET, Attribution.ORGANIC, Attribution.REFERRAL));
    this.sources = new LabelLimiter(s, maxValuesPerDimension);
    this.mediums = new LabelLimiter(m, maxValuesPerDimension);
    this.campaigns = new LabelLimiter(c, maxValuesPerDimension);
  }

  /**
   * The attribution's label values: source, medium and campaign bounded, term and content
   * {@code (not set)} (they are not labels). Equal label values come back as one shared instance
   * while it stays in a small table, since a session keeps its attribution for minutes: a fresh
   * record per pageview, with its freshly parsed strings, would each be copied out of the young
   * generation with the session that keeps it.
   */
  public Attribution bound(Attribution a) {
    if (a == Attribution.direct()) return a;
    String s = sources.limit(a.source());
    String m = mediums.limit(a.medium());
    String c = campaigns.limit(a.campaign());
    int h = ((s.hashCode() * 31 + m.hashCode()) * 31 + c.hashCode()) * 31 + a.channel().ordinal();
    int i = (h ^ (h >>> 16)) & (shared.length - 1);
    // Records are immutable (final fields), so a racy read sees a whole one or another.
    Attribution known = shared[i];
    if (known != null && known.channel() == a.channel() && known.source().equals(s) && known.medium().equals(m)
        && known.campaign().equals(c)) {
      return known;
    }
    Attribution labels = new Attribution(s, m, c, Attribution.NOT_SET, Attribution.NOT_SET, a.channel());
    shared[i] = labels;
    return labels;
  }

  public LabelLimiter sources() {
    return sources;
  }

  public LabelLimiter mediums() {
    return mediums;
  }

  public LabelLimiter campaigns() {
    return campaigns;
  }
}

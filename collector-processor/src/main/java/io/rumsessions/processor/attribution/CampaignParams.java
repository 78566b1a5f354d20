package io.rumsessions.processor.attribution;

/**
 * The campaign parameters of one landing URL, read in one pass over the query string (and over
 * a query inside the fragment, as single-page apps put it: {@code #/page?utm_source=x}) without
 * java.net.URI. Parameter names are matched case-insensitively, an HTML-escaped {@code &amp;}
 * separator is understood, the first non-empty value of the highest-priority name wins.
 */
final class CampaignParams {
  static final int SOURCE = 0;
  static final int MEDIUM = 1;
  static final int CAMPAIGN = 2;
  static final int CAMPAIGN_ID = 3;
  static final int TERM = 4;
  static final int CONTENT = 5;
  private static final int FIELDS = 6;

  /** Names by field; position in each row is the priority (first wins). */
  static final String[][] NAMES = {
    {"utm_source", "mtm_source", "pk_source", "source", "ref"},
    {"utm_medium", "mtm_medium", "pk_medium"},
    {"utm_campaign", "mtm_campaign", "mtm_cpn", "pk_campaign", "pk_cpn", "matomo_campaign", "piwik_campaign"},
    {"utm_id", "mtm_cid", "pk_cid"},
    {"utm_term", "mtm_keyword", "mtm_kwd", "pk_keyword", "pk_kwd", "matomo_kwd", "piwik_kwd"},
    {"utm_content", "mtm_content", "pk_content"},
  };
  /** Source names from index 3 on ({@code source}, {@code ref}) are Plausible-style alternates. */
  static final int FIRST_ALTERNATE_SOURCE = 3;
  private static final int FRAGMENT_PENALTY = 100;

  private static final ClickId[] CLICK_IDS = ClickId.values();

  final String[] values = new String[FIELDS];
  private final int[] ranks = new int[FIELDS];
  ClickId clickId;
  private int clickRank = Integer.MAX_VALUE;
  /** Whether the source came from {@code source=} / {@code ref=} rather than a utm/mtm/pk name. */
  boolean alternateSource;

  private CampaignParams() {
    java.util.Arrays.fill(ranks, Integer.MAX_VALUE);
  }

  static CampaignParams scan(String url) {
    CampaignParams p = new CampaignParams();
    if (url == null || url.isEmpty()) return p;
    int hash = url.indexOf('#');
    int q = url.indexOf('?');
    int end = hash < 0 ? url.length() : hash;
    if (q >= 0 && q < end) p.scanRegion(url, q + 1, end, 0);
    if (hash >= 0) {
      int fq = url.indexOf('?', hash + 1);
      if (fq >= 0) p.scanRegion(url, fq + 1, url.length(), FRAGMENT_PENALTY);
    }
    p.alternateSource = p.values[SOURCE] != null && p.ranks[SOURCE] % FRAGMENT_PENALTY >= FIRST_ALTERNATE_SOURCE;
    return p;
  }

  /** Any campaign parameter or click id present. */
  boolean tagged() {
    if (clickId != null) return true;
    for (String v : values) {
      if (v != null) return true;
    }
    return false;
  }

  String get(int field) {
    return values[field];
  }

  private void scanRegion(String url, int from, int to, int penalty) {
    int ps = from;
    while (ps < to) {
      int pe = url.indexOf('&', ps);
      if (pe < 0 || pe > to) pe = to;
      pair(url, ps, pe, penalty);
      ps = pe + 1;
    }
  }

  private void pair(String url, int ps, int pe, int penalty) {
    int eq = url.indexOf('=', ps);
    if (eq < 0 || eq > pe) eq = pe;
    int ks = nameStart(url, ps, eq);
    int ke = eq;
    if (ks >= ke) return;
    String decodedName = decodedName(url, ks, ke);
    int vs = eq + 1;
    for (int f = 0; f < FIELDS; f++) {
      String[] names = NAMES[f];
      for (int r = 0; r < names.length; r++) {
        if (!nameIs(url, ks, ke, decodedName, names[r])) continue;
        int rank = r + penalty;
        if (rank < ranks[f] && vs < pe) {
          String v = ParamValues.decode(url, vs, pe);
          if (v != null) {
            values[f] = v;
            ranks[f] = rank;
          }
        }
        return;
      }
    }
    for (int i = 0; i < CLICK_IDS.length; i++) {
      if (!nameIs(url, ks, ke, decodedName, CLICK_IDS[i].parameter())) continue;
      int rank = i + penalty;
      if (rank < clickRank && hasValue(url, vs, pe)) {
        clickId = CLICK_IDS[i];
        clickRank = rank;
      }
      return;
    }
  }

  /** Where the name in {@code s[from, to)} starts: after leading spaces and an HTML-escaped {@code &amp;}'s "amp;". */
  private static int nameStart(String s, int from, int to) {
    int ks = from;
    while (ks < to && s.charAt(ks) == ' ') ks++;
    if (to - ks > 4 && s.regionMatches(true, ks, "amp;", 0, 4)) ks += 4;
    return ks;
  }

  /**
   * Whether the parameter {@code pair} ({@code name=value}) is one of {@code names}, read as
   * {@link #scan} reads names, so that what {@code utm build} replaces is what is read.
   */
  static boolean isNamed(String pair, java.util.List<String> names) {
    int eq = pair.indexOf('=');
    int ke = eq < 0 ? pair.length() : eq;
    int ks = nameStart(pair, 0, ke);
    if (ks >= ke) return false;
    String decoded = decodedName(pair, ks, ke);
    for (String name : names) {
      if (nameIs(pair, ks, ke, decoded, name)) return true;
    }
    return false;
  }

  /** The name {@code s[ks, ke)} percent-decoded, or null when it holds no escape (nor '+') and is read as it is. */
  private static String decodedName(String s, int ks, int ke) {
    for (int i = ks; i < ke; i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '+') return ParamValues.decodeName(s, ks, ke);
    }
    return null;
  }

  private static boolean nameIs(String url, int ks, int ke, String decodedName, String name) {
    if (decodedName != null) return decodedName.equalsIgnoreCase(name);
    return ke - ks == name.length() && url.regionMatches(true, ks, name, 0, name.length());
  }

  private static boolean hasValue(String url, int vs, int pe) {
    for (int i = vs; i < pe; i++) {
      if (url.charAt(i) > ' ' && url.charAt(i) != '+') return true;
    }
    return false;
  }
}

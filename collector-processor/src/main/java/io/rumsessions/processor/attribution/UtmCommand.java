package io.rumsessions.processor.attribution;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code rum-sessions utm build | list | check}: the UTM link builder and campaign registry.
 *
 * <pre>
 * rum-sessions utm build --url URL --source S --medium M --campaign C [--term T] [--content X] [--id ID]
 *                        [--registry FILE] [--no-record]
 * rum-sessions utm list  [--registry FILE]
 * rum-sessions utm check URL [--registry FILE]
 * </pre>
 *
 * Exit codes: 0 fine; 1 {@code check} found warnings; 2 usage or input error. The registry
 * defaults to {@code campaigns.yaml} in the working directory.
 */
public final class UtmCommand {
  static final String DEFAULT_REGISTRY = "campaigns.yaml";
  static final String USAGE = String.join("\n",
      "usage: rum-sessions utm build --url URL --source SOURCE --medium MEDIUM --campaign CAMPAIGN",
      "                              [--term TERM] [--content CONTENT] [--id ID] [--registry FILE] [--no-record]",
      "       rum-sessions utm list [--registry FILE]",
      "       rum-sessions utm check URL [--registry FILE]",
      "",
      "  build   print URL tagged with utm_* parameters (values lower-cased, percent-encoded)",
      "          and record it in the campaign registry",
      "  list    print the registered links",
      "  check   print the attribution and channel a session landing on URL (no referrer) gets,",
      "          and warn about casing, spaces, encoding, missing or unregistered values",
      "",
      "  --registry FILE   campaign registry (YAML), default ./" + DEFAULT_REGISTRY,
      "exit status: 0 ok, 1 check found warnings, 2 usage error",
      "");

  private static final Map<String, Set<String>> OPTIONS = Map.of(
      "build", Set.of("--url", "--source", "--medium", "--campaign", "--term", "--content", "--id", "--registry"),
      "list", Set.of("--registry"),
      "check", Set.of("--registry"));
  private static final Map<String, Set<String>> FLAGS = Map.of(
      "build", Set.of("--no-record"), "list", Set.of(), "check", Set.of());

  private UtmCommand() {}

  /** Runs the command; {@code args} may start with "utm". Returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Clock.systemDefaultZone());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (!rest.isEmpty() && rest.get(0).equals("utm")) rest.remove(0);
    if (rest.isEmpty()) {
      err.print(USAGE);
      return 2;
    }
    String command = rest.remove(0);
    if (command.equals("--help") || command.equals("-h") || command.equals("help")) {
      out.print(USAGE);
      return 0;
    }
    if (!OPTIONS.containsKey(command)) {
      err.println("rum-sessions utm: unknown command '" + command + "'");
      err.print(USAGE);
      return 2;
    }
    Args parsed;
    try {
      parsed = Args.parse(command, rest);
    } catch (IllegalArgumentException e) {
      err.println("rum-sessions utm " + command + ": " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (parsed.help) {
      out.print(USAGE);
      return 0;
    }
    Path registryFile = Path.of(parsed.options.getOrDefault("--registry", DEFAULT_REGISTRY));
    CampaignRegistry registry;
    try {
      registry = CampaignRegistry.load(registryFile);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println("rum-sessions utm " + command + ": " + e.getMessage());
      return 2;
    }
    try {
      return switch (command) {
        case "build" -> build(parsed, registry, registryFile, out, err, LocalDate.now(clock));
        case "list" -> list(parsed, registry, registryFile, out, err);
        default -> check(parsed, registry, registryFile, out, err);
      };
    } catch (UsageException e) {
      err.println("rum-sessions utm " + command + ": " + e.getMessage());
      return 2;
    } catch (UncheckedIOException e) {
      err.println("rum-sessions utm " + command + ": " + e.getMessage());
      return 2;
    }
  }

  private static int build(Args a, CampaignRegistry registry, Path file, PrintStream out, PrintStream err, LocalDate today) {
    if (!a.positional.isEmpty()) throw new UsageException("unexpected argument '" + a.positional.get(0) + "'");
    String url = a.required("--url").trim();
    if (!TaggedUrl.isWebUrl(url)) throw new UsageException("--url must be an absolute http(s) URL, got '" + url + "'");
    String source = value(a, "--source", true, err);
    String medium = value(a, "--medium", true, err);
    String campaign = value(a, "--campaign", true, err);
    String id = value(a, "--id", false, err);
    String term = value(a, "--term", false, err);
    String content = value(a, "--content", false, err);
    String tagged = TaggedUrl.build(url, Arrays.asList(source, medium, campaign, id, term, content));

    CampaignAttributor attributor = new CampaignAttributor(SourceLists.bundled(), registry);
    Attribution attribution = attributor.attribute(tagged, null, null);
    if (!attribution.source().equals(source)) {
      err.println("note: source '" + source + "' is reported as '" + attribution.source() + "'");
    }
    err.println("channel: " + attribution.channelLabel() + " (" + attribution.channel().ga4Name() + ")");
    if (attribution.channel() == Channel.UNASSIGNED) {
      err.println("warning: " + unassignedHint(attribution));
    }
    if (!a.flags.contains("--no-record")) {
      CampaignLink existing = registry.find(tagged);
      if (existing != null) {
        err.println("already registered in " + file + " (created " + (existing.created() == null ? "-" : existing.created()) + ")");
      } else {
        registry.with(new CampaignLink(tagged, source, medium, campaign, term, content, today)).save(file);
        err.println("recorded in " + file);
      }
    }
    out.println(tagged);
    return 0;
  }

  /** A normalised option value; notes to err when normalising changed it. */
  private static String value(Args a, String option, boolean required, PrintStream err) {
    String raw = required ? a.required(option) : a.options.get(option);
    if (raw == null) return null;
    String v = ParamValues.normalize(raw);
    if (v == null) {
      if (required) throw new UsageException(option + " must not be empty");
      return null;
    }
    String name = option.substring(2);
    if (!v.equals(raw)) err.println("note: " + name + " '" + raw + "' is recorded as '" + v + "' (values are lower-cased and trimmed)");
    if (LABEL_OPTIONS.contains(option) && v.indexOf(' ') >= 0) err.println("warning: " + name + " '" + v + "' contains spaces; they are encoded as %20, prefer '_' or '-'");
    return v;
  }

  private static int list(Args a, CampaignRegistry registry, Path file, PrintStream out, PrintStream err) {
    if (!a.positional.isEmpty()) throw new UsageException("unexpected argument '" + a.positional.get(0) + "'");
    if (registry.isEmpty()) {
      out.println("no campaigns registered in " + file);
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"CREATED", "SOURCE", "MEDIUM", "CAMPAIGN", "TERM", "CONTENT", "URL"});
    for (CampaignLink l : registry.links()) {
      rows.add(new String[] {dash(l.created() == null ? null : l.created().toString()), l.source(), l.medium(), l.campaign(),
          dash(l.term()), dash(l.content()), dash(l.url())});
    }
    int[] widths = new int[7];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], r[i].length());
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(r[i]);
        if (i < r.length - 1) b.append(" ".repeat(widths[i] - r[i].length() + 2));
      }
      out.println(b);
    }
    return 0;
  }

  private static int check(Args a, CampaignRegistry registry, Path file, PrintStream out, PrintStream err) {
    if (a.positional.size() != 1) throw new UsageException("expects exactly one URL");
    String url = a.positional.get(0).trim();
    if (!TaggedUrl.isWebUrl(url)) throw new UsageException("URL must be an absolute http(s) URL, got '" + url + "'");
    CampaignAttributor attributor = new CampaignAttributor(SourceLists.bundled(), registry);
    Attribution at = attributor.attribute(url, null, null);
    out.println("source:   " + at.source());
    out.println("medium:   " + at.medium());
    out.println("campaign: " + at.campaign());
    out.println("term:     " + at.term());
    out.println("content:  " + at.content());
    out.println("channel:  " + at.channelLabel() + " (" + at.channel().ga4Name() + ")");

    List<String> warnings = new ArrayList<>();
    List<TaggedUrl.RawParam> params = TaggedUrl.params(url);
    Map<String, String> seen = new HashMap<>();
    boolean clickId = false;
    for (TaggedUrl.RawParam p : params) {
      String name = p.lowerName();
      if (isClickId(name)) {
        clickId = true;
        continue;
      }
      if (!isCampaignParam(name)) continue;
      if (!p.name().equals(name)) {
        warnings.add("parameter '" + p.name() + "' is not lower-case; rum-sessions reads it, GA4 and most tools ignore it: write '" + name + "'");
      }
      String raw = p.rawValue() == null ? "" : p.rawValue();
      String decoded = p.decodedValue();
      String normal = ParamValues.normalize(decoded);
      if (normal == null) {
        warnings.add(name + " is empty");
        continue;
      }
      if (ParamValues.hasBadEscape(raw)) {
        warnings.add(name + " has invalid percent-encoding in '" + raw + "'; the text is kept as it is");
      } else if (ParamValues.hasEscape(decoded)) {
        warnings.add(name + " looks percent-encoded twice ('" + raw + "'); encode values once");
      }
      if (!decoded.equals(decoded.toLowerCase(Locale.ROOT))) {
        warnings.add(name + " '" + decoded.trim() + "' has upper-case letters; it is reported as '" + normal + "' (GA4 keeps case and splits the rows)");
      }
      if (isLabel(name) && decoded.trim().indexOf(' ') >= 0) {
        warnings.add(name + " '" + decoded.trim() + "' contains spaces; prefer '_' or '-'");
      } else if (!decoded.equals(decoded.trim())) {
        warnings.add(name + " has leading or trailing spaces");
      }
      String previous = seen.putIfAbsent(name, normal);
      if (previous != null && !previous.equals(normal)) {
        warnings.add(name + " is given twice ('" + previous + "' and '" + normal + "'); the first is used");
      }
    }
    if (!clickId) {
      for (String required : List.of("utm_source", "utm_medium", "utm_campaign")) {
        if (!seen.containsKey(required)) warnings.add("missing " + required);
      }
    }
    if (registry.isEmpty()) {
      warnings.add("no campaigns registered in " + file + "; values cannot be checked (use 'utm build' to register links)");
    } else {
      AttributionLabels labels = attributor.labels();
      unregistered("source", at.source(), labels.sources(), registry.registeredSources(), file, warnings);
      unregistered("medium", at.medium(), labels.mediums(), registry.registeredMediums(), file, warnings);
      unregistered("campaign", at.campaign(), labels.campaigns(), registry.registeredCampaigns(), file, warnings);
    }
    if (at.channel() == Channel.UNASSIGNED) warnings.add(unassignedHint(at));
    for (String w : warnings) out.println("warning: " + w);
    return warnings.isEmpty() ? 0 : 1;
  }

  private static void unregistered(String what, String value, LabelLimiter limiter, Set<String> registered, Path file, List<String> warnings) {
    if (limiter.isRegistered(value)) return;
    String hint = "";
    String folded = fold(value);
    for (String r : registered) {
      if (fold(r).equals(folded)) {
        hint = "; did you mean '" + r + "'?";
        break;
      }
    }
    warnings.add(what + " '" + value + "' is not registered in " + file + hint
        + " (unregistered values are reported only while the label limit allows, then as 'other')");
  }

  private static String fold(String v) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (Character.isLetterOrDigit(c)) b.append(Character.toLowerCase(c));
    }
    return b.toString();
  }

  private static String unassignedHint(Attribution a) {
    return "source '" + a.source() + "' / medium '" + a.medium() + "' match no GA4 channel rule: sessions land in 'unassigned'"
        + " (use a standard medium such as cpc, display, social, email, affiliate, referral, organic, sms, push)";
  }

  private static final Set<String> LABEL_OPTIONS = Set.of("--source", "--medium", "--campaign");

  /** Source, medium and campaign parameters become label values; term and content do not. */
  private static boolean isLabel(String name) {
    for (int f : new int[] {CampaignParams.SOURCE, CampaignParams.MEDIUM, CampaignParams.CAMPAIGN}) {
      for (String n : CampaignParams.NAMES[f]) {
        if (n.equals(name)) return true;
      }
    }
    return false;
  }

  private static boolean isCampaignParam(String name) {
    for (String[] names : CampaignParams.NAMES) {
      for (String n : names) {
        if (n.equals(name)) return true;
      }
    }
    return false;
  }

  private static boolean isClickId(String name) {
    for (ClickId c : ClickId.values()) {
      if (c.parameter().equals(name)) return true;
    }
    return false;
  }

  private static String dash(String v) {
    return v == null ? "-" : v;
  }

  private static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** {@code --name value}, {@code --name=value}, flags and positional arguments. */
  private static final class Args {
    final Map<String, String> options = new LinkedHashMap<>();
    final Set<String> flags = new java.util.HashSet<>();
    final List<String> positional = new ArrayList<>();
    boolean help;

    static Args parse(String command, List<String> args) {
      Args a = new Args();
      Set<String> allowed = OPTIONS.get(command);
      Set<String> flags = FLAGS.get(command);
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.equals("--help") || arg.equals("-h")) {
          a.help = true;
          continue;
        }
        if (!arg.startsWith("--")) {
          a.positional.add(arg);
          continue;
        }
        String value = null;
        int eq = arg.indexOf('=');
        if (eq > 0) {
          value = arg.substring(eq + 1);
          arg = arg.substring(0, eq);
        }
        if (flags.contains(arg)) {
          if (value != null) throw new IllegalArgumentException(arg + " takes no value");
          a.flags.add(arg);
          continue;
        }
        if (!allowed.contains(arg)) throw new IllegalArgumentException("unknown option " + arg);
        if (value == null) {
          if (i + 1 >= args.size()) throw new IllegalArgumentException(arg + " needs a value");
          value = args.get(++i);
        }
        if (a.options.put(arg, value) != null) throw new IllegalArgumentException(arg + " given twice");
      }
      return a;
    }

    String required(String option) {
      String v = options.get(option);
      if (v == null) throw new UsageException(option + " is required");
      return v;
    }
  }
}

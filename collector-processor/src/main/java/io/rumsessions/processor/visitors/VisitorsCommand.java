package io.rumsessions.processor.visitors;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.snapshot.VisitorsFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code rum-sessions visitors FILE...}: unique visitors of several instances together, from their
 * {@code visitors.sketches} files. HLL sketches merge without loss, so a visitor whose sessions
 * landed on two instances counts once here, where summing the instances' gauges counts it twice.
 */
public final class VisitorsCommand {
  static final String USAGE = String.join("\n",
      "usage: rum-sessions visitors [--time-zone ZONE] [--lookback-days N] FILE...",
      "",
      "  Merges the visitor sketch files of several processor instances (state.dir/visitors.sketches)",
      "  and prints today's unique visitors per service and window, each visitor counted once.",
      "  --time-zone      the instances' session.time-zone (default UTC)",
      "  --lookback-days  the instances' visitors.lookback-days (default 30)");

  private VisitorsCommand() {}

  /** @return the exit code: 0, or 2 for a usage or input error */
  public static int run(String[] args, PrintStream out, PrintStream err, InstantSource clock) {
    ZoneId zone = ZoneId.of("UTC");
    int lookback = 30;
    List<Path> files = new ArrayList<>();
    try {
      for (int i = 1; i < args.length; i++) {
        switch (args[i]) {
          case "--time-zone" -> zone = ZoneId.of(value(args, ++i));
          case "--lookback-days" -> lookback = Integer.parseInt(value(args, ++i));
          case "-h", "--help" -> {
            out.println(USAGE);
            return 0;
          }
          default -> {
            if (args[i].startsWith("--")) throw new IllegalArgumentException("unknown option " + args[i]);
            files.add(Path.of(args[i]));
          }
        }
      }
      if (files.isEmpty()) throw new IllegalArgumentException("no sketch file given");
      if (lookback < 1 || lookback > 400) throw new IllegalArgumentException("--lookback-days: 1 to 400");
    } catch (RuntimeException e) {
      err.println("rum-sessions visitors: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    // The filters are not read for estimates; a small size keeps this tool light.
    VisitorsConfig config = new VisitorsConfig(true, 21, lookback, 1, 0.01, Duration.ZERO);
    UniqueVisitors merged = new UniqueVisitors(config, new SiteCalendar(zone));
    long now = clock.millis();
    for (Path f : files) {
      try {
        if (!Files.exists(f)) throw new IOException(f + ": no such file");
        VisitorsFile.readFrom(f, merged, now);
      } catch (IOException | RuntimeException e) {
        err.println("rum-sessions visitors: " + e.getMessage());
        return 2;
      }
    }
    List<UniqueVisitors.Estimate> estimates = new ArrayList<>(merged.estimates(now));
    // Each service's estimates come in report order (all, then consented by window); a stable sort keeps it.
    estimates.sort(Comparator.comparing(UniqueVisitors.Estimate::service));
    out.printf(Locale.ROOT, "%-24s %-10s %-7s %12s%n", "service", "population", "window", "visitors");
    for (UniqueVisitors.Estimate e : estimates) {
      out.printf(Locale.ROOT, "%-24s %-10s %-7s %12d%n", e.service(), e.population(), e.window(), Math.round(e.visitors()));
    }
    return 0;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
    return args[i];
  }
}

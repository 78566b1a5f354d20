package io.rumsessions.processor.visitors;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.VisitorsConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hash.XxHash;

/**
 * Unique visitors per service and calendar day (site time zone), and for consented visitors
 * with a lasting id, 7- and 30-day uniques and new vs returning. Estimated with Apache
 * DataSketches HLL sketches (mergeable, a few KiB each, no ids inside) and day-by-day Bloom
 * filters; a visitor is counted when one of its sessions is counted as started.
 */
public final class UniqueVisitors {
  /** The windows reported, in days; those longer than the lookback are left out. */
  static final int[] WINDOWS = {1, 7, 30};

  private final VisitorsConfig config;
  private final SiteCalendar calendar;
  private final ReturningVisitors returning;
  private final Map<String, DailySketches> services = new ConcurrentHashMap<>();

  public UniqueVisitors(VisitorsConfig config, SiteCalendar calendar) {
    this.config = config;
    this.calendar = calendar;
    this.returning = new ReturningVisitors(config.lookbackDays(), config.dailyVisitors(), config.falseReturning());
  }

  /**
   * Counts the visitor of a session that was just counted as started, and says whether the
   * session is the visitor's first in the lookback.
   *
   * @param service the canonical service name (bounded by {@code metrics.max-services})
   */
  public VisitorType sessionStarted(String service, VisitorKey visitor, long nowMillis) {
    long day = calendar.day(nowMillis);
    services.computeIfAbsent(service, s -> new DailySketches(config.lgK(), config.lookbackDays())).add(visitor, day);
    if (!visitor.persistent()) return VisitorType.UNIDENTIFIED;
    // One filter serves all services: the service goes into the hash.
    long perService = XxHash.hash(visitor.hash(), service.hashCode());
    return returning.seenBefore(perService, day) ? VisitorType.RETURNING : VisitorType.NEW;
  }

  /** One reported number: a service's visitors over a window. */
  public record Estimate(String service, String window, String population, double visitors) {}

  /**
   * The current estimates, per service in this order: {@code population=all} for today
   * (everyone), then {@code consented} for today and each longer window the lookback covers.
   */
  public List<Estimate> estimates(long nowMillis) {
    long today = calendar.day(nowMillis);
    List<Estimate> out = new ArrayList<>();
    services.forEach((service, sketches) -> {
      out.add(new Estimate(service, "1d", "all", sketches.everyone(today)));
      for (int days : WINDOWS) {
        if (days <= config.lookbackDays()) {
          out.add(new Estimate(service, days + "d", "consented", sketches.consented(today, days)));
        }
      }
    });
    return out;
  }

  /** Today's distinct consented visitors over the daily volume the returning filter is sized for. */
  public double returningFilterLoad(long nowMillis) {
    return returning.load(calendar.day(nowMillis));
  }

  /**
   * The relative standard error of an estimate: a single day's sketch (HIP estimator) or a
   * union over days, from DataSketches' own tables for the configured lgK.
   */
  public static double relativeStandardError(int lgK, boolean union) {
    return HllSketch.getRelErr(true, union, lgK, 1);
  }

  public void write(DataOutputStream out) throws IOException {
    writeSketches(out);
    returning.write(out);
  }

  /** Merges saved state in; what is older than the lookback (or than today, for everyone) is dropped. */
  public void read(DataInputStream in, long nowMillis) throws IOException {
    mergeSketches(in, nowMillis);
    returning.read(in, calendar.day(nowMillis));
  }

  /**
   * The HLL sketches alone (no returning-visitor filters, which are per instance and large): what
   * the distributed mode's partitions share so that one instance can report the cluster's uniques.
   */
  public void writeSketches(DataOutputStream out) throws IOException {
    Map<String, DailySketches> copy = Map.copyOf(services);
    out.writeInt(copy.size());
    for (Map.Entry<String, DailySketches> e : copy.entrySet()) {
      out.writeUTF(e.getKey());
      e.getValue().write(out);
    }
  }

  /** Merges sketches {@link #writeSketches} wrote into these (a union: a visitor seen by two counts once). */
  public void mergeSketches(DataInputStream in, long nowMillis) throws IOException {
    long today = calendar.day(nowMillis);
    int n = checkedLength(in.readInt());
    for (int i = 0; i < n; i++) {
      String service = in.readUTF();
      services.computeIfAbsent(service, s -> new DailySketches(config.lgK(), config.lookbackDays())).read(in, today);
    }
  }

  static int checkedLength(int n) throws IOException {
    if (n < 0 || n > 1 << 26) throw new IOException("visitor state: implausible length " + n);
    return n;
  }
}

package io.rumsessions.processor.calendar;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Calendar days in the site's time zone, as days since the epoch: the day a visitor is counted
 * in, and the day whose salt keys a cookie-free id. The span path asks once per span, so the
 * current day's bounds are kept and a lookup inside them costs two comparisons.
 */
public final class SiteCalendar {
  private final ZoneId zone;
  private volatile Day cached = new Day(Long.MIN_VALUE, Long.MIN_VALUE, 0);

  public SiteCalendar(ZoneId zone) {
    this.zone = zone;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The site-local calendar day of an instant, as days since 1970-01-01. */
  public long day(long epochMillis) {
    Day d = cached;
    if (epochMillis >= d.startMillis && epochMillis < d.endMillis) return d.day;
    ZonedDateTime local = Instant.ofEpochMilli(epochMillis).atZone(zone);
    long day = local.toLocalDate().toEpochDay();
    // A day's bounds, daylight-saving days included (23 or 25 hours long).
    long start = local.toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
    long end = local.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    cached = new Day(start, end, day);
    return day;
  }

  private record Day(long startMillis, long endMillis, long day) {}
}

package io.rumsessions.processor.visitors;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * One service's visitor sketches: everyone seen today (cookie-free and consented ids alike),
 * and consented visitors with a lasting id per day over the lookback, which unions into the
 * 7- and 30-day windows. Cookie-free ids never enter the per-day ring: they change daily, so
 * a union over days would count one visitor once a day.
 */
final class DailySketches {
  private final int lgK;
  private final int lookbackDays;
  private HllSketch everyone;
  private long everyoneDay = Long.MIN_VALUE;
  private final HllSketch[] consented;
  private final long[] consentedDay;

  DailySketches(int lgK, int lookbackDays) {
    this.lgK = lgK;
    this.lookbackDays = lookbackDays;
    this.consented = new HllSketch[lookbackDays];
    this.consentedDay = new long[lookbackDays];
    java.util.Arrays.fill(consentedDay, Long.MIN_VALUE);
  }

  synchronized void add(VisitorKey key, long day) {
    if (day > everyoneDay) {
      everyone = sketch();
      everyoneDay = day;
    }
    if (day == everyoneDay) everyone.update(key.hash());
    if (!key.persistent()) return;
    int slot = slot(day);
    if (consentedDay[slot] != day) {
      if (consentedDay[slot] > day) return; // the clock went back past the lookback
      consented[slot] = sketch();
      consentedDay[slot] = day;
    }
    consented[slot].update(key.hash());
  }

  /** Everyone seen on {@code today}. */
  synchronized double everyone(long today) {
    return everyoneDay == today ? everyone.getEstimate() : 0;
  }

  /** Consented visitors with a lasting id seen in the {@code days} days ending with {@code today}. */
  synchronized double consented(long today, int days) {
    Union union = new Union(lgK);
    for (int i = 0; i < lookbackDays; i++) {
      long d = consentedDay[i];
      if (consented[i] != null && d <= today && d > today - days) union.update(consented[i]);
    }
    return union.getEstimate();
  }

  private HllSketch sketch() {
    return new HllSketch(lgK, TgtHllType.HLL_8);
  }

  private int slot(long day) {
    return (int) Math.floorMod(day, (long) lookbackDays);
  }

  synchronized void write(DataOutputStream out) throws IOException {
    writeSketch(out, everyoneDay, everyone);
    int n = 0;
    for (HllSketch s : consented) if (s != null) n++;
    out.writeInt(n);
    for (int i = 0; i < lookbackDays; i++) {
      if (consented[i] != null) writeSketch(out, consentedDay[i], consented[i]);
    }
  }

  /**
   * Takes saved sketches over, or merges them into a day already counted here (a union, so
   * reading the same file twice counts nobody twice; the union's estimator, as for the windows);
   * days that left the lookback, or a saved "today" that is not today, are dropped.
   */
  synchronized void read(DataInputStream in, long today) throws IOException {
    long day = in.readLong();
    HllSketch saved = readSketch(in);
    if (saved != null && day == today) {
      everyone = everyoneDay == today ? merged(everyone, saved) : saved;
      everyoneDay = today;
    }
    int n = in.readInt();
    for (int k = 0; k < n; k++) {
      day = in.readLong();
      saved = readSketch(in);
      if (saved == null || day > today || day <= today - lookbackDays) continue;
      int slot = slot(day);
      consented[slot] = consentedDay[slot] == day ? merged(consented[slot], saved) : saved;
      consentedDay[slot] = day;
    }
  }

  private HllSketch merged(HllSketch a, HllSketch b) {
    Union u = new Union(lgK);
    u.update(a);
    u.update(b);
    return u.getResult(TgtHllType.HLL_8);
  }

  private static void writeSketch(DataOutputStream out, long day, HllSketch s) throws IOException {
    out.writeLong(day);
    byte[] bytes = s == null ? new byte[0] : s.toCompactByteArray();
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static HllSketch readSketch(DataInputStream in) throws IOException {
    byte[] bytes = in.readNBytes(UniqueVisitors.checkedLength(in.readInt()));
    // A heapified compact sketch is updatable and keeps its estimator state.
    return bytes.length == 0 ? null : HllSketch.heapify(bytes);
  }
}

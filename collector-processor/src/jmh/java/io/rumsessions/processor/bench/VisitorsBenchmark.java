package io.rumsessions.processor.bench;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.visitors.UniqueVisitors;
import io.rumsessions.processor.visitors.VisitorKey;
import io.rumsessions.processor.visitors.VisitorType;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What counting a visitor adds to a session start: a cookie-free visitor (one HLL update) and a
 * consented one (two HLL updates and up to 30 Bloom-filter probes), over a pool of 100,000
 * visitors so the filters and sketches are warm and in estimation mode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class VisitorsBenchmark {
  static final long NOW = 1_795_000_000_000L;
  UniqueVisitors visitors;
  VisitorKey[] daily;
  VisitorKey[] persistent;
  int next;

  @Setup
  public void setUp() {
    visitors = new UniqueVisitors(ConfigLoader.load(null, Map.of()).visitors(), new SiteCalendar(ZoneOffset.UTC));
    SplittableRandom r = new SplittableRandom(1);
    daily = new VisitorKey[100_000];
    persistent = new VisitorKey[100_000];
    for (int i = 0; i < daily.length; i++) {
      daily[i] = new VisitorKey(r.nextLong(), false);
      persistent[i] = VisitorKey.persistent("user-" + i);
      visitors.sessionStarted("shop", persistent[i], NOW);
    }
  }

  @Benchmark
  public VisitorType cookieFreeVisitor() {
    return visitors.sessionStarted("shop", daily[next++ % daily.length], NOW);
  }

  @Benchmark
  public VisitorType consentedVisitor() {
    return visitors.sessionStarted("shop", persistent[next++ % persistent.length], NOW);
  }
}

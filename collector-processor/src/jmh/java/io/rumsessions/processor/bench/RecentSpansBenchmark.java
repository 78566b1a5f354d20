package io.rumsessions.processor.bench;

import io.rumsessions.processor.ingest.RecentSpans;
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
 * One span's duplicate check at the default capacity ({@code state.recent-spans}, 2^20 ids, two
 * tables of 8 MB): a span id never seen before, as nearly every span is, so both tables are
 * probed, and the tables rotate as they do under load. The ids come from an array four times the
 * capacity, read in order, so that an id is forgotten before it comes round again.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecentSpansBenchmark {
  RecentSpans recent;
  long[] hashes;
  int next;

  @Setup
  public void setUp() {
    recent = new RecentSpans(1 << 20);
    SplittableRandom r = new SplittableRandom(1);
    hashes = new long[1 << 22];
    for (int i = 0; i < hashes.length; i++) hashes[i] = RecentSpans.hash(r.nextLong(), r.nextLong(), r.nextLong());
    // Both tables full, as after the first minute under load.
    for (int i = 0; i < 1 << 20; i++) recent.seen(hashes[i]);
    next = 1 << 20;
  }

  @Benchmark
  public boolean seenNew() {
    long h = hashes[next];
    next = (next + 1) & (hashes.length - 1);
    return recent.seen(h);
  }
}

package io.rumsessions.processor.bench;

import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.SessionConfig;
import io.rumsessions.processor.durability.Checkpoint;
import io.rumsessions.processor.durability.Checkpoints;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a checkpoint of {@code sessions} sessions costs ({@code DurableState.checkpoint}, restart):
 * {@link #freeze} is what requests wait for (the state lock is held for it: every shard's pages
 * shared copy-on-write, then released); {@link #encode} is the checkpoint's bytes, made while
 * requests go on; {@link #decodeAndRestore} is restart's reading of them back into an empty store.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CheckpointBenchmark {
  private static final long T0 = 1_795_860_000_000_000_000L;
  private static final String[] PAGES = {"/", "/products/shoes", "/checkout", "/blog/how-to-choose-running-shoes"};

  @Param({"1000000"})
  public int sessions;

  SessionConfig config;
  SessionStore store;
  byte[] bytes;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    config = ConfigLoader.load(null, Map.of("session.max-active", Integer.toString(sessions * 2))).session();
    store = new SessionStore(config, SessionListener.NONE);
    Attribution[] attributions = {Attribution.direct(),
        new Attribution("google", "cpc", "spring_sale", Attribution.NOT_SET, Attribution.NOT_SET, Channel.PAID_SEARCH),
        new Attribution("google", "(organic)", "(not set)", Attribution.NOT_SET, Attribution.NOT_SET, Channel.ORGANIC_SEARCH)};
    SessionEvent event = new SessionEvent();
    Assignment out = new Assignment();
    Random r = new Random(1);
    for (int i = 0; i < sessions; i++) {
      SessionKey key = new SessionKey(i % 3 == 0 ? "shop" : "blog", String.format("%016x%016x", r.nextLong(), r.nextLong()));
      store.record(key, event.set(T0 + i, true, false, PAGES[i & 3]).labels(i % 4 == 0 ? "mobile" : "desktop",
          attributions[i % 3]), 1L + i / 1000, out);
      if (i % 2 == 0) store.record(key, event.set(T0 + i + 5_000_000_000L, true, false, PAGES[(i + 1) & 3]), 2L + i / 1000, out);
    }
    bytes = encode();
  }

  /** What the state lock is held for, for the sessions. */
  @Benchmark
  public SessionStore.Frozen freeze() {
    SessionStore.Frozen frozen = store.freeze();
    frozen.release();
    return frozen;
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public byte[] encode() throws IOException {
    SessionStore.Frozen frozen = store.freeze();
    try {
      return Checkpoints.encode(new Checkpoint(1, frozen, SavedMetrics.NONE, null, RecentSpans.Snapshot.of(new long[0]), List.of()));
    } finally {
      frozen.release();
    }
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public SessionStore decodeAndRestore() throws IOException {
    Checkpoint c = Checkpoints.decode(new ByteArrayInputStream(bytes), bytes.length, "benchmark");
    SessionStore restored = new SessionStore(config, SessionListener.NONE);
    restored.restore(c.sessions());
    return restored;
  }
}

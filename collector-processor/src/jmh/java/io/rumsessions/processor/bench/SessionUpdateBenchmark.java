package io.rumsessions.processor.bench;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionStore;
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
 * The session update per span ({@link SessionStore#record}): a span joining one of
 * {@code active} resident sessions (the common case: every span after a session's first), as
 * a pageview or as a non-pageview span (fetch, resource, click), and a span starting a new
 * session in a store kept at a steady size by the cap (evict-oldest).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SessionUpdateBenchmark {
  private static final long T0 = 1_795_860_000_000_000_000L;
  private static final String[] PAGES = {"/", "/products/shoes", "/checkout", "/blog/how-to-choose-running-shoes"};

  @Param({"100000"})
  public int active;

  SessionStore store;
  SessionStore capped;
  SessionKey[] keys;
  final Assignment out = new Assignment();
  final SessionEvent event = new SessionEvent();
  final Attribution attribution = new Attribution("google", "cpc", "spring_sale", Attribution.NOT_SET, Attribution.NOT_SET,
      Channel.PAID_SEARCH);
  int next;
  long fresh;

  @Setup(Level.Trial)
  public void setUp() {
    store = new SessionStore(ConfigLoader.load(null, Map.of("session.max-active", Integer.toString(active * 2))).session(),
        SessionListener.NONE);
    capped = new SessionStore(ConfigLoader.load(null, Map.of("session.max-active", Integer.toString(active))).session(),
        SessionListener.NONE);
    keys = new SessionKey[active];
    Random r = new Random(1);
    for (int i = 0; i < active; i++) {
      keys[i] = new SessionKey("shop", String.format("%016x%016x", r.nextLong(), r.nextLong()));
      store.record(keys[i], event.set(T0, true, false, PAGES[i & 3]).labels("desktop", attribution), 1L, out);
    }
  }

  private SessionKey nextKey() {
    int i = next;
    next = i + 1 == keys.length ? 0 : i + 1;
    return keys[i];
  }

  /** A pageview joining a resident session (landing/exit page, counts, times updated). */
  @Benchmark
  public Assignment pageviewJoins() {
    SessionKey k = nextKey();
    store.record(k, event.set(T0 + 1_000_000_000L, true, false, PAGES[next & 3]).labels("desktop", attribution), 2L, out);
    return out;
  }

  /** A fetch/resource span joining a resident session (times only). */
  @Benchmark
  public Assignment spanJoins() {
    store.record(nextKey(), event.set(T0 + 2_000_000_000L, false, false, null).labels(null, null), 2L, out);
    return out;
  }

  /** A first pageview of a new session in a full store (evicts the least recently active). */
  @Benchmark
  public Assignment newSessionAtCap() {
    SessionKey k = new SessionKey("shop", Long.toHexString(fresh++) + "a1b2c3d4e5f6a7b8");
    capped.record(k, event.set(T0, true, false, PAGES[(int) fresh & 3]).labels("desktop", attribution), 3L, out);
    return out;
  }
}

package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.config.ConfigLoader;
import java.util.Map;

/**
 * Measures retained heap per active session: fills a store with realistic sessions (32-hex ids,
 * shared service name, landing and exit paths, 3 pageviews, an attribution record each) and compares used heap after full
 * GCs. Not a test: run it by hand, e.g.
 * {@code java -Xmx4g -cp "$(cat cp.txt):target/classes:target/test-classes" io.rumsessions.processor.session.SessionMemoryMeasurement 1000000}
 */
public final class SessionMemoryMeasurement {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long before = usedAfterGc();
    SessionStore store = new SessionStore(ConfigLoader.load(null, Map.of("session.max-active", Integer.toString(n * 2))).session(),
        SessionListener.NONE);
    Assignment out = new Assignment();
    SessionEvent e = new SessionEvent();
    String[] pages = {"/", "/products/shoes", "/checkout", "/blog/how-to-choose-running-shoes"};
    long t0 = 1_795_860_000_000_000_000L;
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < n; i++) {
      SessionKey key = new SessionKey("shop", String.format("%016x%016x", r.nextLong(), r.nextLong()));
      // Each session's attribution is its own record (as the attributor returns), holding
      // shared label strings.
      Attribution attribution = new Attribution("google", "cpc", "spring_sale", Attribution.NOT_SET, Attribution.NOT_SET,
          io.rumsessions.processor.attribution.Channel.PAID_SEARCH);
      for (int p = 0; p < 3; p++) {
        store.record(key, e.set(t0 + p * 1_000_000_000L, true, false, new String(pages[(i + p) % pages.length])).labels("desktop", attribution), 1L, out);
      }
    }
    long after = usedAfterGc();
    System.out.printf("%d active sessions: %.1f bytes of heap each (%d MiB in all)%n", store.activeCount(),
        (after - before) / (double) n, (after - before) >> 20);
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}

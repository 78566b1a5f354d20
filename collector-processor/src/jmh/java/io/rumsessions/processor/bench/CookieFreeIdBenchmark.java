package io.rumsessions.processor.bench;

import io.rumsessions.processor.identity.CookieFreeId;
import io.rumsessions.processor.identity.DailySalts;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cookie-free id of each span (HMAC-SHA256 over user agent, address, service and host), per
 * span, over 10,000 visitors posting 1 to 4 spans each (2.5 on average; the captured SDK posts
 * 2.7). {@code grouped}: each visitor's spans one after another, as a browser's post and a
 * Collector's batch of posts carry them; {@code interleaved}: every span another visitor's than
 * the one before, the worst case for remembering the last id.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CookieFreeIdBenchmark {
  static final long DAY = 20_426;

  @Param({"grouped", "interleaved"})
  public String order;

  CookieFreeId ids;
  String[] agents;
  String[] addresses;
  int next;

  @Setup
  public void setUp() {
    ids = new CookieFreeId(new DailySalts(new SecureRandom(), (Path) null));
    SplittableRandom r = new SplittableRandom(1);
    List<String[]> spans = new ArrayList<>();
    for (int v = 0; v < 10_000; v++) {
      String agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + (120 + v % 22)
          + ".0." + v + ".0 Safari/537.36";
      String address = "198.51." + (v >> 8 & 0xff) + "." + (v & 0xff);
      // Each span its own strings, equal to the visit's others, as read from a request.
      for (int s = 1 + r.nextInt(4); s > 0; s--) spans.add(new String[] {new String(agent), new String(address)});
    }
    if (order.equals("interleaved")) {
      Collections.shuffle(spans, new Random(2));
      for (int i = 1; i < spans.size(); i++) {
        if (spans.get(i)[1].equals(spans.get(i - 1)[1])) Collections.swap(spans, i, (i + spans.size() / 2) % spans.size());
      }
    }
    agents = spans.stream().map(s -> s[0]).toArray(String[]::new);
    addresses = spans.stream().map(s -> s[1]).toArray(String[]::new);
  }

  @Benchmark
  public String derive() {
    int i = next++ % agents.length;
    return ids.derive(agents[i], addresses[i], "shop", "shop.example", DAY);
  }
}

package io.rumsessions.processor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceSessionsTest {
  /** A session handle: never 0, which means "none". */
  static long session(long n) {
    return n + 1;
  }

  @Test
  void findsWhatItRemembersAndNothingElse() {
    TraceSessions t = new TraceSessions(10);
    t.remember(1, 2, session(1));
    t.remember(2, 1, session(2));
    assertThat(t.sessionOf(1, 2)).isEqualTo(session(1));
    assertThat(t.sessionOf(2, 1)).isEqualTo(session(2));
    assertThat(t.sessionOf(1, 1)).isZero();
    t.remember(1, 2, session(3));
    assertThat(t.sessionOf(1, 2)).isEqualTo(session(3));
    assertThat(t.size()).isEqualTo(2);
  }

  @Test
  void keepsTheLatestTracesUpToItsCapacityWhileGrowing() {
    TraceSessions t = new TraceSessions(3000);
    Random r = new Random(1);
    long[][] ids = new long[10_000][2];
    for (int i = 0; i < ids.length; i++) {
      ids[i][0] = r.nextLong();
      ids[i][1] = r.nextLong();
      t.remember(ids[i][0], ids[i][1], session(i));
    }
    assertThat(t.size()).isEqualTo(3000);
    for (int i = 0; i < ids.length; i++) {
      assertThat(t.sessionOf(ids[i][0], ids[i][1])).as("trace %d", i).isEqualTo(i >= 7000 ? session(i) : 0L);
    }
  }

  /** Against a map kept in insertion order, over many overwrites: every probe run stays intact. */
  @Test
  void agreesWithAnInsertionOrderedMap() {
    int capacity = 97;
    TraceSessions t = new TraceSessions(capacity);
    Map<Long, Long> model = new LinkedHashMap<>();
    Random r = new Random(2);
    for (int op = 0; op < 200_000; op++) {
      long id = r.nextInt(400);
      if (r.nextInt(3) == 0) {
        assertThat(t.sessionOf(id, ~id)).as("op %d", op).isEqualTo(model.getOrDefault(id, 0L));
      } else {
        long s = session(op);
        if (model.containsKey(id)) {
          model.put(id, s);
        } else {
          model.put(id, s);
          if (model.size() > capacity) model.remove(model.keySet().iterator().next());
        }
        t.remember(id, ~id, s);
      }
    }
    for (long id = 0; id < 400; id++) assertThat(t.sessionOf(id, ~id)).isEqualTo(model.getOrDefault(id, 0L));
    assertThat(t.size()).isEqualTo(model.size());
  }

  @Test
  void capacityZeroRemembersNothing() {
    TraceSessions t = new TraceSessions(0);
    t.remember(1, 2, session(1));
    assertThat(t.sessionOf(1, 2)).isZero();
    assertThat(t.size()).isZero();
  }
}

package io.rumsessions.processor.durability;

import io.rumsessions.processor.ingest.RecentSpans;
import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.SessionConfig;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionListener;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.session.StoredSession;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint is taken (tables shared copy-on-write under the state lock) and encoded while
 * writers keep changing the sessions, as {@link DurableState} does. Read back and restored, it
 * must equal the state at its position exactly: the log's changes up to that position replayed
 * into an empty store. And the changes after it, applied to the restored store, must lead to the
 * live store's state, as recovery's replay of the log tail does.
 */
class CheckpointWhileWritingTest {
  private static final String[] SERVICES = {"shop", "blog", "docs"};
  private static final String[] DEVICES = {null, "desktop", "mobile"};
  private static final Attribution[] ATTRIBUTIONS = {Attribution.direct(),
      new Attribution("google", "cpc", "spring", Attribution.NOT_SET, Attribution.NOT_SET, Channel.PAID_SEARCH),
      new Attribution("newsletter", "email", "winter", Attribution.NOT_SET, Attribution.NOT_SET, Channel.EMAIL)};

  /** One logged change: a span for a session, or a sweep. */
  private record Op(boolean sweep, String service, String id, long timeNanos, long arrivalMillis, boolean pageview,
      boolean interaction, String page, String device, Attribution attribution, String conversion, String bot,
      String previousId, String userId) {

    void applyTo(SessionStore store, Assignment out) {
      if (sweep) {
        store.sweep(arrivalMillis);
        return;
      }
      SessionEvent e = new SessionEvent().set(timeNanos, pageview, interaction, page).labels(device, attribution)
          .conversion(conversion).bot(bot).stitching(previousId, userId);
      store.record(new SessionKey(service, id), e, arrivalMillis, out);
    }
  }

  @Test
  void aCheckpointTakenWhileWritersRunRestoresToExactlyTheStateAtItsPosition() throws Exception {
    SessionConfig config = ConfigLoader.load(null, Map.of("session.max-active", "40000",
        "session.inactivity-timeout", "5m", "session.allowed-lateness", "1m")).session();
    SessionStore live = new SessionStore(config, SessionListener.NONE);
    ReentrantLock stateLock = new ReentrantLock();
    List<Op> log = new ArrayList<>();
    long[] clock = {1_795_860_000_000L};
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      Random r = new Random(w);
      Thread t = new Thread(() -> {
        Assignment out = new Assignment();
        while (!stop.get()) {
          stateLock.lock();
          try {
            Op op = next(r, clock);
            op.applyTo(live, out);
            log.add(op);
          } finally {
            stateLock.unlock();
          }
        }
      }, "writer-" + w);
      t.start();
      writers.add(t);
    }

    List<Checkpoint> taken = new ArrayList<>();
    try {
      for (int c = 0; c < 3; c++) {
        waitForOps(stateLock, log, 60_000 * (c + 1));
        SessionStore.Frozen frozen;
        long position;
        stateLock.lock();
        try {
          frozen = live.freeze();
          position = log.size();
        } finally {
          stateLock.unlock();
        }
        byte[] bytes;
        try {
          // Encoded while the writers go on changing (and copying) the pages.
          bytes = Checkpoints.encode(new Checkpoint(position, frozen, SavedMetrics.NONE, null, RecentSpans.Snapshot.of(new long[0]), List.of()));
        } finally {
          frozen.release();
        }
        taken.add(Checkpoints.decode(new ByteArrayInputStream(bytes), bytes.length, "checkpoint " + c));
      }
    } finally {
      stop.set(true);
      for (Thread t : writers) t.join();
    }

    Assignment out = new Assignment();
    for (Checkpoint cp : taken) {
      SessionStore replayed = new SessionStore(config, SessionListener.NONE);
      for (int i = 0; i < cp.position(); i++) log.get(i).applyTo(replayed, out);
      SessionStore restored = new SessionStore(config, SessionListener.NONE);
      restored.restore(cp.sessions());
      List<StoredSession> expected = sorted(replayed.snapshot());
      assertThat(expected).hasSizeGreaterThan(10_000);
      assertThat(sorted(restored.snapshot())).as("checkpoint at %d of %d changes", cp.position(), log.size())
          .isEqualTo(expected);
      assertThat(restored.activeCount()).isEqualTo(replayed.activeCount());

      for (int i = (int) cp.position(); i < log.size(); i++) log.get(i).applyTo(restored, out);
      assertThat(sorted(restored.snapshot())).as("checkpoint at %d, then the rest of the log", cp.position())
          .isEqualTo(sorted(live.snapshot()));
    }
  }

  private static void waitForOps(ReentrantLock lock, List<Op> log, int n) throws InterruptedException {
    while (true) {
      lock.lock();
      try {
        if (log.size() >= n) return;
      } finally {
        lock.unlock();
      }
      Thread.sleep(5);
    }
  }

  /** Mostly spans of many keys (new sessions, joins, splits, late spans), now and then a sweep. */
  private static Op next(Random r, long[] clock) {
    clock[0] += r.nextInt(40);
    long now = clock[0];
    if (r.nextInt(5000) == 0) return new Op(true, null, null, 0, now, false, false, null, null, null, null, null, null, null);
    int key = r.nextInt(r.nextInt(4) == 0 ? 1_000_000 : 30_000);
    String id = key % 5 == 0 ? "faro-" + Integer.toString(key, 36) : String.format("%032x", key * 0x9E3779B97F4A7C15L);
    long t = (now - r.nextInt(400_000)) * 1_000_000L;
    boolean pageview = r.nextInt(3) == 0;
    return new Op(false, SERVICES[key % 3], id, t, now, pageview, r.nextInt(4) == 0, pageview ? "/p" + r.nextInt(50) : null,
        DEVICES[r.nextInt(3)], pageview ? ATTRIBUTIONS[r.nextInt(3)] : null, r.nextInt(80) == 0 ? "signup" : null,
        r.nextInt(500) == 0 ? "user_agent" : null, r.nextInt(20) == 0 ? "prev-" + r.nextInt(9) : null,
        r.nextInt(30) == 0 ? "user-" + r.nextInt(9) : null);
  }

  private static List<StoredSession> sorted(List<StoredSession> sessions) {
    List<StoredSession> out = new ArrayList<>(sessions);
    out.sort(Comparator.comparing(StoredSession::service).thenComparing(StoredSession::keyId)
        .thenComparing(StoredSession::ended).thenComparingInt(StoredSession::generation));
    return out;
  }
}

package io.rumsessions.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.bots.BehaviourRule;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.SessionConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The columnar store ({@link SessionStore} over {@link SessionTable}) against the object store it
 * replaced ({@link ReferenceSessionStore}): the same random spans, sweeps, snapshots and restores
 * through both, under a small cap so that eviction, the remembered-ended cap and slot reuse all
 * happen often; every assignment, every listener call in order, the counts and the snapshots must
 * agree. Keys mix 32-hex ids (stored as two longs) with other text, and two services share ids.
 */
class SessionStoreModelTest {
  static final long S = 1_000_000_000L;
  static final long MIN = 60 * S;
  static final long T0 = 1_795_860_000L * S;
  static final long ARRIVAL0 = 1_795_860_000_000L;

  /** Every listener call, as text, in order. */
  static final class Log implements SessionListener {
    final List<String> calls = new ArrayList<>();

    @Override
    public void started(String service, String sessionId, String device, Attribution attribution) {
      calls.add("started " + service + " " + sessionId + " " + device + " " + attribution);
    }

    @Override
    public void ended(SessionSummary summary) {
      calls.add("ended " + summary);
    }

    @Override
    public void restored(String service, int count) {
      calls.add("restored " + service + " " + count);
    }

    @Override
    public void evicted(String service) {
      calls.add("evicted " + service);
    }

    @Override
    public void botSession(String service, String reason, boolean wasCounted) {
      calls.add("bot " + service + " " + reason + " " + wasCounted);
    }
  }

  @Test
  void agreesWithTheObjectStoreUnderEviction() {
    run(Map.of("session.max-active", "64", "session.inactivity-timeout", "5m", "session.allowed-lateness", "1m"), 1);
  }

  @Test
  void agreesWithTheObjectStoreWhenNewSessionsAreRefused() {
    run(Map.of("session.max-active", "64", "session.on-limit", "reject-new", "session.inactivity-timeout", "5m"), 2);
  }

  @Test
  void agreesWithTheObjectStoreWithEverySplitRule() {
    run(Map.of("session.max-active", "320", "session.inactivity-timeout", "5m", "session.max-length", "20m",
        "session.split-at-midnight", "true", "session.split-on-campaign-change", "true"), 3);
  }

  @Test
  void agreesWithTheObjectStoreWithRoomForEveryone() {
    run(Map.of("session.inactivity-timeout", "5m"), 4);
  }

  private static void run(Map<String, String> overrides, long seed) {
    var loaded = ConfigLoader.load(null, overrides);
    SessionConfig config = loaded.session();
    BehaviourRule behaviour = new BehaviourRule(loaded.bots().behaviour());
    Log ours = new Log();
    Log model = new Log();
    SessionStore store = new SessionStore(config, ours, behaviour);
    ReferenceSessionStore reference = new ReferenceSessionStore(config, model, behaviour);
    Random r = new Random(seed);
    String[] ids = new String[600];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = switch (i % 4) {
        case 0, 1 -> String.format("%016x%016x", r.nextLong(), r.nextLong());
        case 2 -> "faro-" + Integer.toString(i, 36);
        // 32 characters but not all lowercase hex: stored as text.
        default -> String.format("%016X%016x", r.nextLong() | 0xA000_0000_0000_0000L, r.nextLong());
      };
    }
    String[] services = {"shop", "blog"};
    String[] devices = {null, "desktop", "mobile"};
    Attribution[] attributions = {null, Attribution.direct(),
        new Attribution("google", "cpc", "spring", Attribution.NOT_SET, Attribution.NOT_SET, Channel.PAID_SEARCH),
        new Attribution("bing", "cpc", "autumn", Attribution.NOT_SET, Attribution.NOT_SET, Channel.PAID_SEARCH)};
    long now = ARRIVAL0;
    long clock = T0;
    Assignment a = new Assignment();
    Assignment b = new Assignment();
    for (int op = 0; op < 60_000; op++) {
      int kind = r.nextInt(1000);
      if (kind < 8) {
        now += r.nextInt(4) * MIN / 1_000_000;
        store.sweep(now);
        reference.sweep(now);
      } else if (kind < 10) {
        List<StoredSession> saved = sorted(store.snapshot());
        assertThat(saved).as("snapshot at op %d", op).isEqualTo(sorted(reference.snapshot()));
        if (r.nextBoolean()) {
          store = new SessionStore(config, ours, behaviour);
          reference = new ReferenceSessionStore(config, model, behaviour);
          store.restore(saved);
          reference.restore(saved);
        }
      } else {
        SessionKey key = new SessionKey(services[r.nextInt(2)], ids[r.nextInt(r.nextInt(8) == 0 ? ids.length : 150)]);
        // Mostly forward in time, sometimes far back (late) or across midnight.
        clock += r.nextInt(20) * S;
        long t = switch (r.nextInt(20)) {
          case 0 -> clock - r.nextInt(40) * MIN;
          case 1 -> clock + r.nextInt(30) * MIN;
          default -> clock - r.nextInt(60) * S;
        };
        now += r.nextInt(3);
        boolean pageview = r.nextInt(3) == 0;
        SessionEvent e = new SessionEvent().set(t, pageview, r.nextInt(4) == 0, pageview ? "/p" + r.nextInt(9) : null)
            .labels(devices[r.nextInt(3)], pageview ? attributions[1 + r.nextInt(3)] : null)
            .conversion(r.nextInt(50) == 0 ? "signup" : null)
            .bot(r.nextInt(300) == 0 ? "user_agent" : null);
        if (r.nextInt(10) == 0) e.stitching("prev-" + r.nextInt(5), r.nextBoolean() ? "user-" + r.nextInt(5) : null);
        store.record(key, e, now, a);
        reference.record(key, e, now, b);
        assertThat(describe(a)).as("op %d %s", op, key).isEqualTo(describe(b));
        if (a.outcome() == Assignment.Outcome.ACCEPTED) assertThat(a.sessionHandle()).isNotZero();
        assertThat(store.isActive(key)).isEqualTo(reference.isActive(key));
      }
      assertThat(ours.calls).as("listener calls after op %d", op).hasSize(model.calls.size());
    }
    assertThat(ours.calls).isEqualTo(model.calls);
    assertThat(store.activeCount()).isEqualTo(reference.activeCount());
    assertThat(sorted(store.snapshot())).isEqualTo(sorted(reference.snapshot()));
    assertThat(model.calls).anyMatch(c -> c.startsWith("ended")).anyMatch(c -> c.startsWith("bot"));
    if (config.maxActive() < 100) {
      if (config.onLimit() == SessionConfig.LimitPolicy.EVICT_OLDEST) assertThat(model.calls).anyMatch(c -> c.startsWith("evicted"));
    }
  }

  private static String describe(Assignment a) {
    return a.outcome() + " " + a.sessionId() + " " + a.sequence() + " " + a.botReason() + " " + a.attribution() + " " + a.countedNow();
  }

  private static List<StoredSession> sorted(List<StoredSession> sessions) {
    List<StoredSession> out = new ArrayList<>(sessions);
    out.sort(Comparator.comparing(StoredSession::service).thenComparing(StoredSession::keyId)
        .thenComparing(StoredSession::ended).thenComparingInt(StoredSession::generation));
    return out;
  }
}

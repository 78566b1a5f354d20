package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.bots.BehaviourRule;
import io.rumsessions.processor.config.SessionConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The session engine as it was before sessions moved into columns ({@link SessionTable}): objects
 * in linked hash maps, kept as the model {@code SessionStoreModelTest} checks the store against.
 * One change from that version: an open session moves to the back of its shard's order when a
 * span extends it (its arrival time changes), not on every lookup, so that the order is the
 * order of last arrival that the sweeper relies on. And an assignment carries the session's
 * attribution only for a span with a conversion (the only reader), as the store's does now.
 *
 * <p>Original description: active sessions by key, in lock-striped shards.
 *
 * <p>Each shard keeps its active sessions in access order, so the least recently active session
 * is always first: the sweeper walks from the front and stops at the first session that is still
 * open, and eviction under the cap takes the front. Closing is by arrival time (nothing arrived
 * for {@code timeout + allowed lateness}), which is robust to skewed browser clocks; the split
 * rules themselves are on event time ({@link SessionRules}). Ended sessions are remembered, in
 * close order, for another {@code timeout + allowed lateness} so that late spans join nothing
 * new.
 */
final class ReferenceSessionStore {
  private static final int SHARDS = 32;

  private final SessionRules rules;
  private final BehaviourRule behaviour;
  private final boolean splitOnCampaignChange;
  private final SessionListener listener;
  private final SessionConfig.LimitPolicy onLimit;
  private final long closeAfterMillis;
  private final long rememberEndedMillis;
  private final int capPerShard;
  private final Shard[] shards = new Shard[SHARDS];

  ReferenceSessionStore(SessionConfig config, SessionListener listener) {
    this(config, listener, BehaviourRule.disabled());
  }

  /** @param behaviour the bot layer that needs the session's numbers */
  ReferenceSessionStore(SessionConfig config, SessionListener listener, BehaviourRule behaviour) {
    this.behaviour = behaviour;
    this.splitOnCampaignChange = config.splitOnCampaignChange();
    this.rules = new SessionRules(config);
    this.listener = listener;
    this.onLimit = config.onLimit();
    this.closeAfterMillis = config.inactivityTimeout().plus(config.allowedLateness()).toMillis();
    this.rememberEndedMillis = closeAfterMillis;
    this.capPerShard = Math.max(1, (int) Math.ceil(config.maxActive() / (double) SHARDS));
    for (int i = 0; i < SHARDS; i++) shards[i] = new Shard();
  }

  /** The cap actually enforced: {@code maxActive} rounded up to a multiple of the shard count. */
  public long capacity() {
    return (long) capPerShard * SHARDS;
  }

  /**
   * Places one span into its session, starting, splitting or extending sessions as the rules
   * say, and writes where it went into {@code out}.
   */
  public void record(SessionKey key, SessionEvent e, long arrivalMillis, Assignment out) {
    Shard shard = shardFor(key);
    shard.lock.lock();
    try {
      State s = shard.active.get(key);
      if (s != null) {
        switch (rules.decide(s.firstNanos, s.lastNanos, e.timeNanos)) {
          case JOIN -> {
            if (splitOnCampaignChange && campaignChanged(s, e)) split(shard, s, EndReason.CAMPAIGN_CHANGE, e, arrivalMillis, out);
            else join(s, e, arrivalMillis, out);
          }
          case SPLIT_TIMEOUT -> split(shard, s, EndReason.TIMEOUT_SPLIT, e, arrivalMillis, out);
          case SPLIT_MAX_LENGTH -> split(shard, s, EndReason.MAX_LENGTH, e, arrivalMillis, out);
          case SPLIT_MIDNIGHT -> split(shard, s, EndReason.MIDNIGHT, e, arrivalMillis, out);
          case LATE -> late(shard, key, e, out);
        }
        return;
      }
      Ended ended = shard.ended.get(key);
      if (ended != null && !rules.startsAfter(ended.lastNanos(), e.timeNanos)) {
        // Inside or before a session that already ended: late, never a duplicate session.
        late(shard, key, e, out);
        return;
      }
      start(shard, key, ended == null ? 0 : ended.generation() + 1, e, arrivalMillis, out);
    } finally {
      shard.lock.unlock();
    }
  }

  /** A later pageview from a campaign (not direct) other than the session's own. */
  private static boolean campaignChanged(State s, SessionEvent e) {
    Attribution now = e.attribution;
    Attribution was = s.attribution;
    return now != null && was != null && e.timeNanos > s.lastNanos && now.channel() != Channel.DIRECT
        && !(now.source().equals(was.source()) && now.medium().equals(was.medium()) && now.campaign().equals(was.campaign()));
  }

  private void late(Shard shard, SessionKey key, SessionEvent e, Assignment out) {
    Ended ended = shard.ended.get(key);
    String id = ended != null && rules.withinReach(ended.firstNanos(), ended.lastNanos(), e.timeNanos)
        ? ended.sessionId() : null;
    out.set(Assignment.Outcome.LATE, id, 0);
  }

  private void split(Shard shard, State s, EndReason reason, SessionEvent e, long arrivalMillis, Assignment out) {
    shard.active.remove(s.key);
    end(shard, s, reason, arrivalMillis);
    start(shard, s.key, s.generation + 1, e, arrivalMillis, out);
  }

  private void start(Shard shard, SessionKey key, int generation, SessionEvent e, long arrivalMillis, Assignment out) {
    if (shard.active.size() >= capPerShard) {
      if (onLimit == SessionConfig.LimitPolicy.REJECT_NEW) {
        out.set(Assignment.Outcome.SESSION_LIMIT, null, 0);
        return;
      }
      Iterator<State> eldest = shard.active.values().iterator();
      State victim = eldest.next();
      eldest.remove();
      listener.evicted(victim.key.service());
      end(shard, victim, EndReason.EVICTED, arrivalMillis);
    }
    State s = new State(key, generation, null, null, e.timeNanos, arrivalMillis);
    shard.active.put(key, s);
    join(s, e, arrivalMillis, out);
  }

  /**
   * Adds a span to a session and settles whether the session is human or a bot. A session is
   * counted as started once a span with a user agent shows it is human; a bot span before that
   * keeps it from ever being counted, and a bot span after that reclassifies it.
   */
  private void join(State s, SessionEvent e, long arrivalMillis, Assignment out) {
    int sequence = s.apply(e, arrivalMillis);
    Shard shard = shardFor(s.key);
    shard.active.remove(s.key);
    shard.active.put(s.key, s);
    String reason = e.botReason;
    if (reason == null && e.pageview && behaviour.isBot(s.pageviews, s.interactions, s.firstNanos, s.lastNanos)) {
      reason = BehaviourRule.REASON;
    }
    if (s.botReason == null && reason != null) {
      s.botReason = reason;
      listener.botSession(s.key.service(), reason, s.counted);
    }
    if (s.botReason != null) {
      out.set(Assignment.Outcome.BOT, s.sessionId, sequence);
      out.botReason = s.botReason;
      return;
    }
    if (s.device == null) s.device = e.device;
    if (s.attribution == null) s.attribution = e.attribution;
    boolean countedNow = false;
    if (!s.counted && s.device != null && s.attribution != null) {
      s.counted = true;
      countedNow = true;
      listener.started(s.key.service(), s.sessionId, s.device, s.attribution);
    }
    out.set(Assignment.Outcome.ACCEPTED, s.sessionId, sequence);
    if (e.conversion != null) out.attribution = s.attribution;
    out.counted = countedNow;
  }

  private void end(Shard shard, State s, EndReason reason, long nowMillis) {
    if (s.botReason == null) {
      if (!s.counted) {
        // Never saw a user agent: human by default, with an unknown device.
        s.counted = true;
        if (s.device == null) s.device = "other";
        listener.started(s.key.service(), s.sessionId, s.device, s.attribution);
      }
      listener.ended(s.summary(reason));
    }
    // Re-inserting keeps the ended map in close order, which the sweeper relies on.
    shard.ended.remove(s.key);
    if (shard.ended.size() >= capPerShard) {
      Iterator<Ended> eldest = shard.ended.values().iterator();
      eldest.next();
      eldest.remove();
    }
    shard.ended.put(s.key, new Ended(s.firstNanos, s.lastNanos, s.generation, s.sessionId, nowMillis));
  }

  /** Ends every session idle for longer than timeout + lateness, and forgets old ended ones. */
  public void sweep(long nowMillis) {
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        Iterator<State> it = shard.active.values().iterator();
        while (it.hasNext()) {
          State s = it.next();
          if (nowMillis - s.lastArrivalMillis < closeAfterMillis) break;
          it.remove();
          end(shard, s, EndReason.INACTIVITY, nowMillis);
        }
        Iterator<Ended> old = shard.ended.values().iterator();
        while (old.hasNext()) {
          if (nowMillis - old.next().closedAtMillis() < rememberEndedMillis) break;
          old.remove();
        }
      } finally {
        shard.lock.unlock();
      }
    }
  }

  /** Whether a session is open under this key. */
  public boolean isActive(SessionKey key) {
    Shard shard = shardFor(key);
    shard.lock.lock();
    try {
      // get() would count as an access and reorder the shard; containsKey does not.
      return shard.active.containsKey(key);
    } finally {
      shard.lock.unlock();
    }
  }

  public int activeCount() {
    int n = 0;
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        n += shard.active.size();
      } finally {
        shard.lock.unlock();
      }
    }
    return n;
  }

  /** Every active and remembered session, for the restart snapshot. */
  public List<StoredSession> snapshot() {
    List<StoredSession> out = new ArrayList<>();
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        for (State s : shard.active.values()) {
          out.add(new StoredSession(s.key.service(), s.key.id(), s.generation, false, s.firstNanos,
              s.lastNanos, s.lastArrivalMillis, s.pageviews, s.interactions, s.spans,
              s.landingNanos, s.exitNanos, s.landingPage, s.exitPage, s.device, s.channel(), s.botReason, s.counted,
              s.previousId, s.userId, s.backendRequests, s.backendErrors,
              s.attribution == null ? null : s.attribution.source(),
              s.attribution == null ? null : s.attribution.medium(),
              s.attribution == null ? null : s.attribution.campaign(), s.conversions));
        }
        for (Map.Entry<SessionKey, Ended> en : shard.ended.entrySet()) {
          Ended x = en.getValue();
          out.add(new StoredSession(en.getKey().service(), en.getKey().id(), x.generation(), true,
              x.firstNanos(), x.lastNanos(), x.closedAtMillis(), 0, 0, 0, 0, 0, null, null, null, null, null, false,
              null, null, 0, 0, null, null, null, 0));
        }
      } finally {
        shard.lock.unlock();
      }
    }
    return out;
  }

  /** Puts snapshot sessions back, oldest activity first so the shards' order stays right. */
  public void restore(List<StoredSession> stored) {
    java.util.Map<String, Integer> restored = new java.util.TreeMap<>();
    List<StoredSession> sorted = new ArrayList<>(stored);
    sorted.sort(Comparator.comparingLong(StoredSession::lastArrivalMillis));
    for (StoredSession x : sorted) {
      SessionKey key = new SessionKey(x.service(), x.keyId());
      Shard shard = shardFor(key);
      shard.lock.lock();
      try {
        if (x.ended()) {
          shard.ended.put(key, new Ended(x.firstNanos(), x.lastNanos(), x.generation(),
              State.sessionIdFor(x.keyId(), x.generation()), x.lastArrivalMillis()));
          continue;
        }
        Attribution attribution = x.source() == null ? null
            : new Attribution(x.source(), x.medium(), x.campaign(), Attribution.NOT_SET, Attribution.NOT_SET, Channel.fromLabel(x.channel()));
        State s = new State(key, x.generation(), x.device(), attribution, x.firstNanos(), x.lastArrivalMillis());
        s.lastNanos = x.lastNanos();
        s.pageviews = x.pageviews();
        s.interactions = x.interactions();
        s.spans = x.spans();
        s.landingNanos = x.landingNanos();
        s.exitNanos = x.exitNanos();
        s.landingPage = x.landingPage();
        s.exitPage = x.exitPage();
        s.botReason = x.botReason();
        s.counted = x.counted();
        s.previousId = x.previousId();
        s.userId = x.userId();
        s.backendRequests = x.backendRequests();
        s.backendErrors = x.backendErrors();
        s.conversions = x.conversions();
        if (shard.active.put(key, s) == null && s.counted && s.botReason == null) restored.merge(key.service(), 1, Integer::sum);
      } finally {
        shard.lock.unlock();
      }
    }
    restored.forEach(listener::restored);
  }

  private Shard shardFor(SessionKey key) {
    int h = key.id().hashCode() * 31 + key.service().hashCode();
    h ^= h >>> 16;
    return shards[h & (SHARDS - 1)];
  }

  private static final class Shard {
    final ReentrantLock lock = new ReentrantLock();
    final LinkedHashMap<SessionKey, State> active = new LinkedHashMap<>(64, 0.75f, false);
    final LinkedHashMap<SessionKey, Ended> ended = new LinkedHashMap<>(64, 0.75f, false);
  }

  static final class State {
  final SessionKey key;
  final int generation;
  final String sessionId;
  String device;
  /** Bounded label values from the first pageview; null until one arrives. */
  Attribution attribution;
  /** Null for a human session. */
  String botReason;
  /** Whether {@link SessionListener#started} has counted this session. */
  boolean counted;
  long firstNanos;
  long lastNanos;
  long lastArrivalMillis;
  int pageviews;
  int interactions;
  int spans;
  long landingNanos = Long.MAX_VALUE;
  long exitNanos = Long.MIN_VALUE;
  String landingPage;
  String exitPage;
  /** Consented stitching ids: the visitor's previous session and user id, first seen wins. */
  String previousId;
  String userId;
  int backendRequests;
  int backendErrors;
  int conversions;

  State(SessionKey key, int generation, String device, Attribution attribution, long timeNanos, long arrivalMillis) {
    this.key = key;
    this.generation = generation;
    this.sessionId = sessionIdFor(key.id(), generation);
    this.device = device;
    this.attribution = attribution;
    this.firstNanos = timeNanos;
    this.lastNanos = timeNanos;
    this.lastArrivalMillis = arrivalMillis;
  }

  /** The first session of a key keeps the key as its id; later ones get a generation suffix. */
  static String sessionIdFor(String keyId, int generation) {
    return generation == 0 ? keyId : keyId + "-" + generation;
  }

  /** Adds one span; returns its sequence number in the session (1-based). */
  int apply(SessionEvent e, long arrivalMillis) {
    long t = e.timeNanos;
    if (t < firstNanos) firstNanos = t;
    if (t > lastNanos) lastNanos = t;
    if (e.pageview) {
      pageviews++;
      if (t < landingNanos) {
        landingNanos = t;
        landingPage = e.page;
      }
      if (t >= exitNanos) {
        exitNanos = t;
        exitPage = e.page;
      }
    }
    if (e.interaction) interactions++;
    if (e.conversion != null) conversions++;
    if (previousId == null) previousId = e.previousId;
    if (userId == null) userId = e.userId;
    lastArrivalMillis = arrivalMillis;
    return ++spans;
  }

  SessionSummary summary(EndReason reason) {
    return new SessionSummary(key.service(), sessionId, firstNanos, lastNanos, pageviews,
        interactions, spans, landingPage, exitPage, device == null ? "other" : device, channel(), reason,
        previousId, userId, backendRequests, backendErrors, attribution, conversions);
  }

  /** The channel label; {@code unassigned} for a session that never had a pageview. */
  String channel() {
    return attribution == null ? "unassigned" : attribution.channelLabel();
  }
  }

  record Ended(long firstNanos, long lastNanos, int generation, String sessionId, long closedAtMillis) {}
}

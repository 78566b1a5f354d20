package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.bots.BehaviourRule;
import io.rumsessions.processor.config.SessionConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The session engine: active sessions by key, in lock-striped shards.
 *
 * <p>Each shard keeps its sessions in a {@link SessionTable} (columns, not objects), its active
 * ones in order of their last span's arrival, so the least recently active session is always
 * first: the sweeper walks from the front and stops at the first session that is still open, and
 * eviction under the cap takes the front. Closing is by arrival time (nothing arrived
 * for {@code timeout + allowed lateness}), which is robust to skewed browser clocks; the split
 * rules themselves are on event time ({@link SessionRules}). Ended sessions are remembered, in
 * close order, for another {@code timeout + allowed lateness} so that late spans join nothing
 * new.
 */
public final class SessionStore {
  private static final int SHARDS = 32;
  /** Where a session handle keeps its shard: above the slot, below the slot's stamp ({@link SessionTable#handle}). */
  private static final int SHARD_SHIFT = 32;

  private final SessionRules rules;
  private final BehaviourRule behaviour;
  private final boolean splitOnCampaignChange;
  private final SessionListener listener;
  private final SessionConfig.LimitPolicy onLimit;
  private final long closeAfterMillis;
  private final long rememberEndedMillis;
  private final int capPerShard;
  private final Shard[] shards = new Shard[SHARDS];
  private final ConcurrentHashMap<String, Integer> serviceIds = new ConcurrentHashMap<>();
  private final AtomicInteger nextServiceId = new AtomicInteger();

  public SessionStore(SessionConfig config, SessionListener listener) {
    this(config, listener, BehaviourRule.disabled());
  }

  /** @param behaviour the bot layer that needs the session's numbers */
  public SessionStore(SessionConfig config, SessionListener listener, BehaviourRule behaviour) {
    this.behaviour = behaviour;
    this.splitOnCampaignChange = config.splitOnCampaignChange();
    this.rules = new SessionRules(config);
    this.listener = listener;
    this.onLimit = config.onLimit();
    this.closeAfterMillis = config.inactivityTimeout().plus(config.allowedLateness()).toMillis();
    this.rememberEndedMillis = closeAfterMillis;
    this.capPerShard = Math.max(1, (int) Math.ceil(config.maxActive() / (double) SHARDS));
    for (int i = 0; i < SHARDS; i++) shards[i] = new Shard(i);
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
      SessionTable t = shard.table;
      int slot = t.find(shard.key.of(key.service(), serviceId(shard, key.service()), key.id()));
      if (slot >= 0 && t.isOpen(slot)) {
        switch (rules.decide(t.firstNanos(slot), t.lastNanos(slot), e.timeNanos)) {
          case JOIN -> {
            if (splitOnCampaignChange && campaignChanged(t, slot, e)) split(shard, slot, key.id(), EndReason.CAMPAIGN_CHANGE, e, arrivalMillis, out);
            else join(shard, slot, key.id(), e, arrivalMillis, out);
          }
          case SPLIT_TIMEOUT -> split(shard, slot, key.id(), EndReason.TIMEOUT_SPLIT, e, arrivalMillis, out);
          case SPLIT_MAX_LENGTH -> split(shard, slot, key.id(), EndReason.MAX_LENGTH, e, arrivalMillis, out);
          case SPLIT_MIDNIGHT -> split(shard, slot, key.id(), EndReason.MIDNIGHT, e, arrivalMillis, out);
          case LATE -> late(t, slot, key.id(), e, out);
        }
        return;
      }
      boolean ended = slot >= 0 && t.hasEnded(slot);
      if (ended && !rules.startsAfter(t.endedLastNanos(slot), e.timeNanos)) {
        // Inside or before a session that already ended: late, never a duplicate session.
        late(t, slot, key.id(), e, out);
        return;
      }
      start(shard, key.id(), ended ? t.endedGeneration(slot) + 1 : 0, e, arrivalMillis, out);
    } finally {
      shard.lock.unlock();
    }
  }

  /** A later pageview from a campaign (not direct) other than the session's own. */
  private static boolean campaignChanged(SessionTable t, int slot, SessionEvent e) {
    Attribution now = e.attribution;
    Attribution was = t.attribution(slot);
    return now != null && was != null && e.timeNanos > t.lastNanos(slot) && now.channel() != Channel.DIRECT
        && !(now.source().equals(was.source()) && now.medium().equals(was.medium()) && now.campaign().equals(was.campaign()));
  }

  private void late(SessionTable t, int slot, String keyId, SessionEvent e, Assignment out) {
    String id = t.hasEnded(slot) && rules.withinReach(t.endedFirstNanos(slot), t.endedLastNanos(slot), e.timeNanos)
        ? sessionIdFor(keyId, t.endedGeneration(slot)) : null;
    out.set(Assignment.Outcome.LATE, id, 0);
  }

  /** Ends the open session and starts the next generation in its place. */
  private void split(Shard shard, int slot, String keyId, EndReason reason, SessionEvent e, long arrivalMillis, Assignment out) {
    int generation = shard.table.generation(slot) + 1;
    end(shard, slot, keyId, reason, arrivalMillis);
    shard.table.open(slot, generation, e.timeNanos, arrivalMillis);
    join(shard, slot, keyId, e, arrivalMillis, out);
  }

  private void start(Shard shard, String keyId, int generation, SessionEvent e, long arrivalMillis, Assignment out) {
    SessionTable t = shard.table;
    if (t.openCount() >= capPerShard) {
      if (onLimit == SessionConfig.LimitPolicy.REJECT_NEW) {
        out.set(Assignment.Outcome.SESSION_LIMIT, null, 0);
        return;
      }
      int victim = t.oldestOpen();
      listener.evicted(t.service(victim));
      String victimId = t.keyId(victim);
      t.close(victim);
      end(shard, victim, victimId, EndReason.EVICTED, arrivalMillis);
    }
    // Looked up again: making room may have forgotten this key's ended session and freed its slot.
    int slot = t.find(shard.key);
    if (slot < 0) slot = t.add(shard.key);
    t.open(slot, generation, e.timeNanos, arrivalMillis);
    join(shard, slot, keyId, e, arrivalMillis, out);
  }

  /**
   * Adds a span to a session and settles whether the session is human or a bot. A session is
   * counted as started once a span with a user agent shows it is human; a bot span before that
   * keeps it from ever being counted, and a bot span after that reclassifies it.
   */
  private void join(Shard shard, int slot, String keyId, SessionEvent e, long arrivalMillis, Assignment out) {
    SessionTable t = shard.table;
    int sequence = t.apply(slot, e, arrivalMillis);
    String sessionId = sessionIdFor(keyId, t.generation(slot));
    String reason = e.botReason;
    if (reason == null && e.pageview
        && behaviour.isBot(t.pageviews(slot), t.interactions(slot), t.firstNanos(slot), t.lastNanos(slot))) {
      reason = BehaviourRule.REASON;
    }
    if (reason != null && !t.isBot(slot)) {
      t.setBotReason(slot, reason);
      listener.botSession(t.service(slot), reason, t.counted(slot));
    }
    if (t.isBot(slot)) {
      out.set(Assignment.Outcome.BOT, sessionId, sequence);
      out.botReason = t.botReason(slot);
      return;
    }
    // Flags, not the references, on the common path: a span of a counted session reads numbers only.
    if (e.device != null && !t.hasDevice(slot)) t.setDevice(slot, e.device);
    if (e.attribution != null && !t.hasAttribution(slot)) t.setAttribution(slot, e.attribution);
    boolean countedNow = false;
    if (!t.counted(slot) && t.hasDevice(slot) && t.hasAttribution(slot)) {
      t.setCounted(slot);
      countedNow = true;
      listener.started(t.service(slot), sessionId, t.device(slot), t.attribution(slot));
    }
    out.set(Assignment.Outcome.ACCEPTED, sessionId, sequence);
    if (e.conversion != null) out.attribution = t.attribution(slot);
    out.counted = countedNow;
    out.handle = handle(shard, slot);
  }

  /** Counts the slot's open session as ended and remembers it; the caller closes or reopens the slot. */
  private void end(Shard shard, int slot, String keyId, EndReason reason, long nowMillis) {
    SessionTable t = shard.table;
    if (!t.isBot(slot)) {
      String sessionId = sessionIdFor(keyId, t.generation(slot));
      if (!t.counted(slot)) {
        // Never saw a user agent: human by default, with an unknown device.
        t.setCounted(slot);
        if (t.device(slot) == null) t.setDevice(slot, "other");
        listener.started(t.service(slot), sessionId, t.device(slot), t.attribution(slot));
      }
      listener.ended(t.summary(slot, sessionId, reason));
    }
    if (!t.hasEnded(slot) && t.endedCount() >= capPerShard) t.forgetEnded(t.oldestEnded());
    t.rememberEnded(slot, nowMillis);
  }

  /** The first session of a key keeps the key as its id; later ones get a generation suffix. */
  static String sessionIdFor(String keyId, int generation) {
    return generation == 0 ? keyId : keyId + "-" + generation;
  }

  /**
   * Ends every session idle for longer than timeout + lateness, and forgets old ended ones;
   * true when it did either.
   */
  public boolean sweep(long nowMillis) {
    boolean changed = false;
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        SessionTable t = shard.table;
        for (int slot = t.oldestOpen(); slot >= 0; slot = t.oldestOpen()) {
          if (nowMillis - t.lastArrivalMillis(slot) < closeAfterMillis) break;
          changed = true;
          t.close(slot);
          end(shard, slot, t.keyId(slot), EndReason.INACTIVITY, nowMillis);
        }
        for (int slot = t.oldestEnded(); slot >= 0; slot = t.oldestEnded()) {
          if (nowMillis - t.endedAtMillis(slot) < rememberEndedMillis) break;
          changed = true;
          t.forgetEnded(slot);
        }
      } finally {
        shard.lock.unlock();
      }
    }
    return changed;
  }

  /**
   * Counts a backend request (a server span in the same trace as one of the session's browser
   * spans) on the session a browser span was assigned to ({@link Assignment#sessionHandle});
   * returns the session's id, or null when no session is open under its key any more.
   * Backend spans never start, extend or split a session.
   */
  public String recordBackend(long sessionHandle, boolean error) {
    if (sessionHandle == 0) return null;
    Shard shard = shards[(int) (sessionHandle >>> SHARD_SHIFT) & (SHARDS - 1)];
    shard.lock.lock();
    try {
      SessionTable t = shard.table;
      int slot = t.slotOf(sessionHandle & ~((long) (SHARDS - 1) << SHARD_SHIFT));
      if (slot < 0 || !t.isOpen(slot) || t.isBot(slot)) return null;
      t.countBackend(slot, error);
      return sessionIdFor(t.keyId(slot), t.generation(slot));
    } finally {
      shard.lock.unlock();
    }
  }

  /** Whether a session is open under this key. */
  public boolean isActive(SessionKey key) {
    Shard shard = shardFor(key);
    shard.lock.lock();
    try {
      int slot = shard.table.find(shard.key.of(key.service(), serviceId(shard, key.service()), key.id()));
      return slot >= 0 && shard.table.isOpen(slot);
    } finally {
      shard.lock.unlock();
    }
  }

  public int activeCount() {
    int n = 0;
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        n += shard.table.openCount();
      } finally {
        shard.lock.unlock();
      }
    }
    return n;
  }

  /** Every active and remembered session, as objects (tests, tools; a checkpoint uses {@link #freeze}). */
  public List<StoredSession> snapshot() {
    Frozen frozen = freeze();
    try {
      return new ArrayList<>(frozen);
    } finally {
      frozen.release();
    }
  }

  /**
   * The sessions as they are now, without copying them: each shard's table hands out its pages
   * (under the shard's lock, a reference per page) and copies a page only when a writer changes
   * it while the result is being read (copy on write). So the caller's lock for consistency (the
   * state lock of a checkpoint) is held for microseconds, whatever the number of sessions, and
   * the transient heap is the pages written to meanwhile. {@link Frozen#release} once read.
   */
  public Frozen freeze() {
    SessionTable[] copies = new SessionTable[SHARDS];
    for (int i = 0; i < SHARDS; i++) {
      shards[i].lock.lock();
      try {
        copies[i] = shards[i].table.shareForReading();
      } finally {
        shards[i].lock.unlock();
      }
    }
    String[] names = new String[nextServiceId.get()];
    serviceIds.forEach((name, id) -> {
      if (id < names.length) names[id] = name;
    });
    return new Frozen(copies, names, this);
  }

  /**
   * The session tables at one moment: read as {@link StoredSession}s, one object at a time as
   * they are iterated, or written and read as their columns ({@link #write}, {@link #read}).
   */
  public static final class Frozen extends java.util.AbstractCollection<StoredSession> {
    private final SessionTable[] tables;
    /** Service names by the numbers the tables' slots carry. */
    private final String[] services;
    /** The store whose pages these are (to release them); null when read from a checkpoint. */
    private SessionStore owner;
    private final int size;

    private Frozen(SessionTable[] tables, String[] services, SessionStore owner) {
      this.tables = tables;
      this.services = services;
      this.owner = owner;
      int n = 0;
      for (SessionTable t : tables) n += t.openCount() + t.endedCount();
      this.size = n;
    }

    /**
     * Tells the store the pages are no longer read, so that writers stop copying them. Reading
     * after this is wrong; not calling it costs one copy of each page written later, no more.
     */
    public void release() {
      SessionStore store = owner;
      if (store == null) return;
      owner = null;
      for (int i = 0; i < tables.length; i++) {
        Shard shard = store.shards[i];
        shard.lock.lock();
        try {
          shard.table.release();
        } finally {
          shard.lock.unlock();
        }
      }
    }

    /** The tables as their columns ({@link TableCodec}): the service names, then each shard's pages. */
    public void write(java.io.DataOutputStream out) throws java.io.IOException {
      TableCodec.Writer w = new TableCodec.Writer(out, SessionTable.refFields());
      w.writeInt(tables.length);
      w.writeInt(services.length);
      for (String name : services) w.writeUTF(name == null ? "" : name);
      for (SessionTable t : tables) t.write(w);
    }

    /** Reads what {@link #write} wrote. */
    public static Frozen read(java.io.DataInputStream in) throws java.io.IOException {
      TableCodec.Reader r = new TableCodec.Reader(in);
      int shards = r.readInt();
      if (shards < 1 || shards > (1 << 16)) throw new java.io.IOException("checkpoint: implausible shard count " + shards);
      int n = r.readInt();
      if (n < 0 || n > (1 << 20)) throw new java.io.IOException("checkpoint: implausible service count " + n);
      String[] services = new String[n];
      for (int i = 0; i < n; i++) services[i] = r.readUTF();
      SessionTable[] tables = new SessionTable[shards];
      for (int i = 0; i < shards; i++) tables[i] = SessionTable.read(r, services);
      return new Frozen(tables, services, null);
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public java.util.Iterator<StoredSession> iterator() {
      return new java.util.Iterator<>() {
        int table = 0;
        int slot = tables.length == 0 ? -1 : tables[0].oldestOpen();
        boolean ended = false;

        private void advance() {
          while (slot < 0 && table < tables.length) {
            if (!ended) {
              ended = true;
              slot = tables[table].oldestEnded();
            } else if (++table < tables.length) {
              ended = false;
              slot = tables[table].oldestOpen();
            }
          }
        }

        @Override
        public boolean hasNext() {
          advance();
          return slot >= 0;
        }

        @Override
        public StoredSession next() {
          if (!hasNext()) throw new java.util.NoSuchElementException();
          SessionTable t = tables[table];
          int s = slot;
          StoredSession out;
          if (!ended) {
            out = t.stored(s);
            slot = t.nextOpen(s);
          } else {
            out = new StoredSession(t.service(s), t.keyId(s), t.endedGeneration(s), true,
                t.endedFirstNanos(s), t.endedLastNanos(s), t.endedAtMillis(s), 0, 0, 0, 0, 0, null, null, null,
                null, null, false, null, null, 0, 0, null, null, null, 0);
            slot = t.nextEnded(s);
          }
          return out;
        }
      };
    }
  }

  /**
   * Puts a checkpoint's sessions back. Tables written by {@link Frozen#write} go straight into the
   * shards' columns (an empty store with as many shards: the pages are taken over, the index
   * rebuilt, no object per session); anything else one session at a time (oldest activity first).
   */
  public void restore(java.util.Collection<StoredSession> stored) {
    if (stored instanceof Frozen f && f.tables.length == SHARDS && isEmpty()) {
      int[] ids = new int[f.services.length];
      for (int i = 0; i < ids.length; i++) ids[i] = serviceIds.computeIfAbsent(f.services[i], s -> nextServiceId.getAndIncrement());
      int[] restored = new int[nextServiceId.get()];
      for (int i = 0; i < SHARDS; i++) {
        shards[i].lock.lock();
        try {
          shards[i].table.adopt(f.tables[i], ids, f.owner != null, restored);
        } finally {
          shards[i].lock.unlock();
        }
      }
      java.util.Map<String, Integer> restoredPerService = new java.util.TreeMap<>();
      serviceIds.forEach((name, id) -> {
        if (id < restored.length && restored[id] > 0) restoredPerService.put(name, restored[id]);
      });
      restoredPerService.forEach(listener::restored);
      return;
    }
    restoreEach(stored);
  }

  private boolean isEmpty() {
    for (Shard shard : shards) {
      shard.lock.lock();
      try {
        if (shard.table.openCount() + shard.table.endedCount() > 0) return false;
      } finally {
        shard.lock.unlock();
      }
    }
    return true;
  }

  /** Puts sessions back one at a time, oldest activity first so the shards' order stays right. */
  private void restoreEach(java.util.Collection<StoredSession> stored) {
    java.util.Map<String, Integer> restoredPerService = new java.util.TreeMap<>();
    List<StoredSession> sorted = new ArrayList<>(stored);
    sorted.sort(Comparator.comparingLong(StoredSession::lastArrivalMillis));
    for (StoredSession x : sorted) {
      SessionKey key = new SessionKey(x.service(), x.keyId());
      Shard shard = shardFor(key);
      shard.lock.lock();
      try {
        SessionTable t = shard.table;
        int slot = t.find(shard.key.of(key.service(), serviceId(shard, key.service()), key.id()));
        if (slot < 0) slot = t.add(shard.key);
        if (x.ended()) {
          t.rememberEnded(slot, x.generation(), x.firstNanos(), x.lastNanos(), x.lastArrivalMillis());
          continue;
        }
        Attribution attribution = x.source() == null ? null
            : new Attribution(x.source(), x.medium(), x.campaign(), Attribution.NOT_SET, Attribution.NOT_SET, Channel.fromLabel(x.channel()));
        boolean wasOpen = t.isOpen(slot);
        t.open(slot, x.generation(), x.firstNanos(), x.lastArrivalMillis());
        t.restore(slot, x, attribution);
        if (!wasOpen && x.counted() && x.botReason() == null) restoredPerService.merge(key.service(), 1, Integer::sum);
      } finally {
        shard.lock.unlock();
      }
    }
    restoredPerService.forEach(listener::restored);
  }

  /**
   * A number per service name, so that a lookup compares numbers rather than reading the slot's
   * name (a likely cache miss). Service names reach the store bounded ({@code metrics.max-services}).
   */
  private int serviceId(Shard shard, String service) {
    // Names come canonical (one instance per name), and mostly the same one after another.
    if (service == shard.lastService) return shard.lastServiceId;
    Integer id = serviceIds.get(service);
    if (id == null) id = serviceIds.computeIfAbsent(service, s -> nextServiceId.getAndIncrement());
    shard.lastService = service;
    shard.lastServiceId = id;
    return id;
  }

  private long handle(Shard shard, int slot) {
    return shard.table.handle(slot) | (long) shard.number << SHARD_SHIFT;
  }

  private Shard shardFor(SessionKey key) {
    int h = key.id().hashCode() * 31 + key.service().hashCode();
    h ^= h >>> 16;
    return shards[h & (SHARDS - 1)];
  }

  private static final class Shard {
    final ReentrantLock lock = new ReentrantLock();
    final SessionTable table = new SessionTable();
    /** The key being looked up, reused under the lock. */
    final SessionTable.Key key = new SessionTable.Key();
    String lastService;
    int lastServiceId;
    final int number;

    Shard(int number) {
      this.number = number;
    }
  }
}

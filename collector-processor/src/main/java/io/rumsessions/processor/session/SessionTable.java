package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One shard's sessions, stored in columns of primitive arrays rather than as objects: a slot per
 * session key, holding the key's open session (if any) and what is remembered of its last ended
 * one (if any). Guarded by the shard's lock.
 *
 * <p>Why columns: a young collection copies what was allocated since the previous one and still
 * lives, and a session lives for minutes. As objects (state, key, key text, map entry) every new
 * session was copied once, object by object, and each update of an old session dirtied cards the
 * next pause had to scan; that was most of a young pause (bench/RESULTS.md). In columns a new
 * session allocates nothing once its page exists, a page is three arrays (copied, if at all, by a
 * memory move each), and an update mostly writes numbers. Session keys of 32 lowercase hex digits
 * (the OpenTelemetry web SDK's {@code session.id}, and every cookie-free id) are kept as two longs;
 * other keys keep their text. A slot takes 176 bytes (10 longs, 15 ints, 9 references).
 *
 * <p>Slots live in pages of {@value #PAGE}, so growing never copies the sessions already stored,
 * and what a young collection may have to copy when the table grows is one small page. Two doubly
 * linked lists run through the slots: open sessions from least to most recently active, and ended
 * sessions in the order they closed. A {@link SlotIndex} (with a hash seeded per instance against
 * chosen collisions) finds a slot by key. A slot with neither an open nor an ended session is
 * freed, and its stamp changes, so that a {@linkplain #handle handle} to it stops resolving.
 */
final class SessionTable {
  static final int PAGE_BITS = 8;
  static final int PAGE = 1 << PAGE_BITS;
  private static final int NONE = -1;
  /** Lowercase, as the packed keys were. */
  private static final HexFormat HEX = HexFormat.of();
  static final int STAMP_SHIFT = 37;

  // Numbers, per slot.
  private static final int KEY_HIGH = 0, KEY_LOW = 1, FIRST = 2, LAST = 3, ARRIVAL = 4, LANDING = 5, EXIT = 6,
      ENDED_FIRST = 7, ENDED_LAST = 8, ENDED_AT = 9, LONGS = 10;
  private static final int GENERATION = 0, PAGEVIEWS = 1, INTERACTIONS = 2, SPANS = 3, BACKEND = 4,
      BACKEND_ERRORS = 5, CONVERSIONS = 6, FLAGS = 7, STAMP = 8, PREV = 9, NEXT = 10, ENDED_PREV = 11,
      ENDED_NEXT = 12, ENDED_GENERATION = 13, SERVICE_ID = 14, INTS = 15;
  // References, per slot: kept together so that updating one session dirties one card.
  private static final int KEY_TEXT = 0, SERVICE = 1, DEVICE = 2, ATTRIBUTION = 3, BOT_REASON = 4,
      LANDING_PAGE = 5, EXIT_PAGE = 6, PREVIOUS_ID = 7, USER_ID = 8, REFS = 9;

  private static final int IN_USE = 1, OPEN = 2, ENDED = 4, COUNTED = 8, PACKED = 16;
  /** Which references are set, so that a span's common path reads the numbers only. */
  private static final int HAS_DEVICE = 32, HAS_ATTRIBUTION = 64, IS_BOT = 128;

  private final long seed = ThreadLocalRandom.current().nextLong();
  /**
   * How full the index may get before it doubles, chosen per table in [0.35, 0.7): the shards fill
   * at the same rate, and with one load factor they would all double their indexes (and add pages,
   * see {@link #used}) within the same few young collections, which would copy them together.
   */
  private final double maxLoad = 0.35 + 0.35 * ThreadLocalRandom.current().nextDouble();
  private long[][] longs = new long[4][];
  private int[][] ints = new int[4][];
  private Object[][] refs = new Object[4][];
  /**
   * Per page and column kind, whether a checkpoint may be reading the page: a writer copies such a
   * page before it changes it (copy on write), so a checkpoint reads the pages as they were when
   * it {@linkplain #shareForReading shared} them while writers go on.
   */
  private boolean[] sharedLongs = new boolean[4], sharedInts = new boolean[4], sharedRefs = new boolean[4];
  /** Checkpoints reading this table's pages now; their pages are marked shared while there is one. */
  private int readers;
  private int pages;
  /**
   * Slots handed out so far; slots below this are in use or on the free list. Starts at a random
   * point of the first page (for the reason given at {@link #maxLoad}), leaving up to a page unused.
   */
  private int used = ThreadLocalRandom.current().nextInt(PAGE);
  private int freeHead = NONE;
  private int inUse;

  private int openHead = NONE, openTail = NONE, openCount;
  private int endedHead = NONE, endedTail = NONE, endedCount;

  private final SlotIndex index = new SlotIndex(maxLoad);

  /** A session key as the table compares it: packed into two longs when it is 32 hex digits. */
  static final class Key {
    String service;
    /** The service's number, the same for the same name in every shard ({@code SessionStore}). */
    int serviceId;
    String text;
    boolean packed;
    long high;
    long low;

    Key of(String service, int serviceId, String id) {
      this.service = service;
      this.serviceId = serviceId;
      this.text = id;
      // 32 lowercase hex digits (upper case would not come back the same), parsed without a
      // branch per digit: a non-digit (-1) makes `valid` negative.
      long h = 0;
      long l = 0;
      int valid = id.length() == 32 ? 0 : -1;
      for (int k = 0; k < 16 && valid >= 0; k++) {
        int d = digit(id.charAt(k));
        int e = digit(id.charAt(k + 16));
        valid |= d | e;
        h = h << 4 | (d & 15);
        l = l << 4 | (e & 15);
      }
      this.packed = valid >= 0;
      this.high = h;
      this.low = l;
      return this;
    }
  }

  // --- finding and adding ---------------------------------------------------------------

  /** The slot of a key (open or ended), or -1. */
  int find(Key k) {
    if (inUse == 0) return NONE;
    int h = hash(k);
    for (int p = index.start(h); ; p = index.next(p)) {
      int slot = index.slotAt(p, h);
      if (slot == SlotIndex.END) return NONE;
      if (slot >= 0 && matches(slot, k)) return slot;
    }
  }

  /** A new slot for a key not in the table, with neither an open nor an ended session yet. */
  int add(Key k) {
    int slot;
    if (freeHead != NONE) {
      slot = freeHead;
      freeHead = i(slot, NEXT);
    } else {
      if (used >= pages * PAGE) addPage();
      slot = used++;
    }
    inUse++;
    long[] l = longsToWrite(slot >>> PAGE_BITS);
    int lo = (slot & (PAGE - 1)) * LONGS;
    l[lo + KEY_HIGH] = k.packed ? k.high : 0;
    l[lo + KEY_LOW] = k.packed ? k.low : 0;
    Object[] r = refsToWrite(slot >>> PAGE_BITS);
    int ro = (slot & (PAGE - 1)) * REFS;
    r[ro + KEY_TEXT] = k.packed ? null : k.text;
    r[ro + SERVICE] = k.service;
    setI(slot, FLAGS, IN_USE | (k.packed ? PACKED : 0));
    setI(slot, SERVICE_ID, k.serviceId);
    index.add(hash(k), slot);
    return slot;
  }

  private boolean matches(int slot, Key k) {
    int[] n = ints[slot >>> PAGE_BITS];
    int io = (slot & (PAGE - 1)) * INTS;
    if (n[io + SERVICE_ID] != k.serviceId) return false;
    if (k.packed) {
      long[] l = longs[slot >>> PAGE_BITS];
      int lo = (slot & (PAGE - 1)) * LONGS;
      return (n[io + FLAGS] & PACKED) != 0 && l[lo + KEY_HIGH] == k.high && l[lo + KEY_LOW] == k.low;
    }
    return (n[io + FLAGS] & PACKED) == 0 && k.text.equals(ref(slot, KEY_TEXT));
  }

  // --- open sessions --------------------------------------------------------------------

  boolean isOpen(int slot) {
    return (i(slot, FLAGS) & OPEN) != 0;
  }

  /** Opens a fresh session in the slot, as the most recently active. */
  void open(int slot, int generation, long timeNanos, long arrivalMillis) {
    long[] l = longsToWrite(slot >>> PAGE_BITS);
    int lo = (slot & (PAGE - 1)) * LONGS;
    l[lo + FIRST] = timeNanos;
    l[lo + LAST] = timeNanos;
    l[lo + ARRIVAL] = arrivalMillis;
    l[lo + LANDING] = Long.MAX_VALUE;
    l[lo + EXIT] = Long.MIN_VALUE;
    int[] n = intsToWrite(slot >>> PAGE_BITS);
    int io = (slot & (PAGE - 1)) * INTS;
    n[io + GENERATION] = generation;
    n[io + PAGEVIEWS] = 0;
    n[io + INTERACTIONS] = 0;
    n[io + SPANS] = 0;
    n[io + BACKEND] = 0;
    n[io + BACKEND_ERRORS] = 0;
    n[io + CONVERSIONS] = 0;
    Object[] r = refs[slot >>> PAGE_BITS];
    int ro = (slot & (PAGE - 1)) * REFS;
    for (int f = DEVICE; f < REFS; f++) {
      if (r[ro + f] != null) {
        r = refsToWrite(slot >>> PAGE_BITS);
        r[ro + f] = null;
      }
    }
    boolean wasOpen = (n[io + FLAGS] & OPEN) != 0;
    n[io + FLAGS] = (n[io + FLAGS] | OPEN) & ~(COUNTED | HAS_DEVICE | HAS_ATTRIBUTION | IS_BOT);
    if (wasOpen) unlinkOpen(slot);
    else openCount++;
    linkOpenLast(slot);
  }

  /**
   * Adds one span to the open session and makes it the most recently active; returns the span's
   * sequence number in the session (1-based).
   */
  int apply(int slot, SessionEvent e, long arrivalMillis) {
    long[] l = longsToWrite(slot >>> PAGE_BITS);
    int lo = (slot & (PAGE - 1)) * LONGS;
    int[] n = intsToWrite(slot >>> PAGE_BITS);
    int io = (slot & (PAGE - 1)) * INTS;
    long t = e.timeNanos;
    if (t < l[lo + FIRST]) l[lo + FIRST] = t;
    if (t > l[lo + LAST]) l[lo + LAST] = t;
    if (e.pageview) {
      n[io + PAGEVIEWS]++;
      Object[] r = refs[slot >>> PAGE_BITS];
      int ro = (slot & (PAGE - 1)) * REFS;
      if (t < l[lo + LANDING]) {
        l[lo + LANDING] = t;
        if (r[ro + LANDING_PAGE] != e.page) (r = refsToWrite(slot >>> PAGE_BITS))[ro + LANDING_PAGE] = e.page;
      }
      if (t >= l[lo + EXIT]) {
        l[lo + EXIT] = t;
        if (r[ro + EXIT_PAGE] != e.page) (r = refsToWrite(slot >>> PAGE_BITS))[ro + EXIT_PAGE] = e.page;
      }
    }
    if (e.interaction) n[io + INTERACTIONS]++;
    if (e.conversion != null) n[io + CONVERSIONS]++;
    if (e.previousId != null || e.userId != null) {
      Object[] r = refsToWrite(slot >>> PAGE_BITS);
      int ro = (slot & (PAGE - 1)) * REFS;
      if (r[ro + PREVIOUS_ID] == null && e.previousId != null) r[ro + PREVIOUS_ID] = e.previousId;
      if (r[ro + USER_ID] == null && e.userId != null) r[ro + USER_ID] = e.userId;
    }
    l[lo + ARRIVAL] = arrivalMillis;
    if (openTail != slot) {
      unlinkOpen(slot);
      linkOpenLast(slot);
    }
    return ++n[io + SPANS];
  }

  /** Takes the session out of the open ones (it is being ended). */
  void close(int slot) {
    setI(slot, FLAGS, i(slot, FLAGS) & ~OPEN);
    unlinkOpen(slot);
    openCount--;
  }

  int openCount() {
    return openCount;
  }

  /** The least recently active open session, or -1. */
  int oldestOpen() {
    return openHead;
  }

  int nextOpen(int slot) {
    return i(slot, NEXT);
  }

  // --- ended sessions -------------------------------------------------------------------

  boolean hasEnded(int slot) {
    return (i(slot, FLAGS) & ENDED) != 0;
  }

  /** Remembers the slot's open session as its last ended one, closed now (the newest closed). */
  void rememberEnded(int slot, long closedAtMillis) {
    rememberEnded(slot, generation(slot), firstNanos(slot), lastNanos(slot), closedAtMillis);
  }

  /** Remembers an ended session (a snapshot's, or the slot's own) as the newest closed. */
  void rememberEnded(int slot, int generation, long firstNanos, long lastNanos, long closedAtMillis) {
    long[] l = longsToWrite(slot >>> PAGE_BITS);
    int lo = (slot & (PAGE - 1)) * LONGS;
    l[lo + ENDED_FIRST] = firstNanos;
    l[lo + ENDED_LAST] = lastNanos;
    l[lo + ENDED_AT] = closedAtMillis;
    setI(slot, ENDED_GENERATION, generation);
    if (hasEnded(slot)) {
      unlinkEnded(slot);
    } else {
      setI(slot, FLAGS, i(slot, FLAGS) | ENDED);
      endedCount++;
    }
    linkEndedLast(slot);
  }

  /** Forgets the slot's ended session; frees the slot unless a session is open in it. */
  void forgetEnded(int slot) {
    unlinkEnded(slot);
    endedCount--;
    int flags = i(slot, FLAGS) & ~ENDED;
    setI(slot, FLAGS, flags);
    if ((flags & OPEN) == 0) free(slot);
  }

  int endedCount() {
    return endedCount;
  }

  /** The ended session closed longest ago, or -1. */
  int oldestEnded() {
    return endedHead;
  }

  int nextEnded(int slot) {
    return i(slot, ENDED_NEXT);
  }

  int endedGeneration(int slot) {
    return i(slot, ENDED_GENERATION);
  }

  long endedFirstNanos(int slot) {
    return l(slot, ENDED_FIRST);
  }

  long endedLastNanos(int slot) {
    return l(slot, ENDED_LAST);
  }

  long endedAtMillis(int slot) {
    return l(slot, ENDED_AT);
  }

  // --- handles --------------------------------------------------------------------------

  /**
   * The slot (low 32 bits) and its stamp (from bit {@value #STAMP_SHIFT}), which changes when the
   * slot is freed; bits 32 to 36 are the caller's. 0 is never a handle.
   */
  long handle(int slot) {
    return stampBits(slot) << STAMP_SHIFT | slot;
  }

  /** The slot a handle names, or -1 when it was freed since. */
  int slotOf(long handle) {
    int slot = (int) handle;
    if (slot < 0 || slot >= used) return NONE;
    return (i(slot, FLAGS) & IN_USE) != 0 && stampBits(slot) == handle >>> STAMP_SHIFT ? slot : NONE;
  }

  /** 1 to 2^26: a handle outlives 67 million reuses of its slot before it could name the wrong session. */
  private long stampBits(int slot) {
    return (i(slot, STAMP) & ((1 << 26) - 1)) + 1L;
  }

  // --- the open session's fields --------------------------------------------------------

  String service(int slot) {
    return (String) ref(slot, SERVICE);
  }

  /** The key's text: its hex digits when it is stored packed. */
  String keyId(int slot) {
    if ((i(slot, FLAGS) & PACKED) == 0) return (String) ref(slot, KEY_TEXT);
    return HEX.toHexDigits(l(slot, KEY_HIGH)) + HEX.toHexDigits(l(slot, KEY_LOW));
  }

  int generation(int slot) {
    return i(slot, GENERATION);
  }

  long firstNanos(int slot) {
    return l(slot, FIRST);
  }

  long lastNanos(int slot) {
    return l(slot, LAST);
  }

  long lastArrivalMillis(int slot) {
    return l(slot, ARRIVAL);
  }

  int pageviews(int slot) {
    return i(slot, PAGEVIEWS);
  }

  int interactions(int slot) {
    return i(slot, INTERACTIONS);
  }

  boolean counted(int slot) {
    return (i(slot, FLAGS) & COUNTED) != 0;
  }

  void setCounted(int slot) {
    setI(slot, FLAGS, i(slot, FLAGS) | COUNTED);
  }

  String device(int slot) {
    return (String) ref(slot, DEVICE);
  }

  boolean hasDevice(int slot) {
    return (i(slot, FLAGS) & HAS_DEVICE) != 0;
  }

  void setDevice(int slot, String device) {
    setRef(slot, DEVICE, device);
    flag(slot, HAS_DEVICE, device != null);
  }

  Attribution attribution(int slot) {
    return (Attribution) ref(slot, ATTRIBUTION);
  }

  boolean hasAttribution(int slot) {
    return (i(slot, FLAGS) & HAS_ATTRIBUTION) != 0;
  }

  void setAttribution(int slot, Attribution attribution) {
    setRef(slot, ATTRIBUTION, attribution);
    flag(slot, HAS_ATTRIBUTION, attribution != null);
  }

  String botReason(int slot) {
    return (String) ref(slot, BOT_REASON);
  }

  boolean isBot(int slot) {
    return (i(slot, FLAGS) & IS_BOT) != 0;
  }

  void setBotReason(int slot, String reason) {
    setRef(slot, BOT_REASON, reason);
    flag(slot, IS_BOT, reason != null);
  }

  private void flag(int slot, int flag, boolean on) {
    int flags = i(slot, FLAGS);
    setI(slot, FLAGS, on ? flags | flag : flags & ~flag);
  }

  void countBackend(int slot, boolean error) {
    int[] n = intsToWrite(slot >>> PAGE_BITS);
    int io = (slot & (PAGE - 1)) * INTS;
    n[io + BACKEND]++;
    if (error) n[io + BACKEND_ERRORS]++;
  }

  /** The channel label; {@code unassigned} for a session that never had a pageview. */
  String channel(int slot) {
    Attribution a = attribution(slot);
    return a == null ? "unassigned" : a.channelLabel();
  }

  SessionSummary summary(int slot, String sessionId, EndReason reason) {
    String device = device(slot);
    return new SessionSummary(service(slot), sessionId, firstNanos(slot), lastNanos(slot), pageviews(slot),
        interactions(slot), i(slot, SPANS), (String) ref(slot, LANDING_PAGE), (String) ref(slot, EXIT_PAGE),
        device == null ? "other" : device, channel(slot), reason, (String) ref(slot, PREVIOUS_ID),
        (String) ref(slot, USER_ID), i(slot, BACKEND), i(slot, BACKEND_ERRORS), attribution(slot), i(slot, CONVERSIONS));
  }

  /**
   * The table as it is now, to read outside the shard's lock while writers go on: the copy holds
   * the current pages, which are marked shared, so a writer copies a page before changing it and
   * the copy keeps seeing the page as it was (copy on write). Costs a reference per page, not a
   * copy of the sessions. {@link #release} once read; until then every page written is copied once.
   * The copy has no index and must only be read (stored, the open and ended lists, their fields).
   */
  SessionTable shareForReading() {
    SessionTable c = new SessionTable();
    c.longs = Arrays.copyOf(longs, Math.max(pages, 1));
    c.ints = Arrays.copyOf(ints, Math.max(pages, 1));
    c.refs = Arrays.copyOf(refs, Math.max(pages, 1));
    Arrays.fill(sharedLongs, 0, pages, true);
    Arrays.fill(sharedInts, 0, pages, true);
    Arrays.fill(sharedRefs, 0, pages, true);
    readers++;
    c.copyCountsOf(this);
    return c;
  }

  /** A checkpoint is done with what {@link #shareForReading} gave it. */
  void release() {
    if (readers > 0 && --readers == 0) {
      Arrays.fill(sharedLongs, false);
      Arrays.fill(sharedInts, false);
      Arrays.fill(sharedRefs, false);
    }
  }

  private void copyCountsOf(SessionTable t) {
    pages = t.pages;
    used = t.used;
    freeHead = t.freeHead;
    inUse = t.inUse;
    openHead = t.openHead;
    openTail = t.openTail;
    openCount = t.openCount;
    endedHead = t.endedHead;
    endedTail = t.endedTail;
    endedCount = t.endedCount;
  }

  // --- checkpoints --------------------------------------------------------------------

  /** How each reference is written ({@link TableCodec}): the service follows from its number. */
  private static final int[] REF_KINDS = new int[REFS];

  static {
    REF_KINDS[KEY_TEXT] = TableCodec.INLINE;
    REF_KINDS[SERVICE] = TableCodec.SKIP;
    REF_KINDS[DEVICE] = TableCodec.LABEL;
    REF_KINDS[ATTRIBUTION] = TableCodec.ATTRIBUTION;
    REF_KINDS[BOT_REASON] = TableCodec.LABEL;
    REF_KINDS[LANDING_PAGE] = TableCodec.LABEL;
    REF_KINDS[EXIT_PAGE] = TableCodec.LABEL;
    REF_KINDS[PREVIOUS_ID] = TableCodec.INLINE;
    REF_KINDS[USER_ID] = TableCodec.INLINE;
  }

  static int refFields() {
    return REFS;
  }

  /**
   * Writes the table as its columns lie in memory: the counts and list heads, then every page
   * (slots keep their numbers, so the lists and the free list come back as they are; the index
   * is rebuilt). Service numbers are the writing store's ({@code SessionStore.Frozen} writes
   * their names).
   */
  void write(TableCodec.Writer w) throws java.io.IOException {
    w.writeInt(pages);
    w.writeInt(used);
    w.writeInt(freeHead);
    w.writeInt(inUse);
    w.writeInt(openHead);
    w.writeInt(openTail);
    w.writeInt(openCount);
    w.writeInt(endedHead);
    w.writeInt(endedTail);
    w.writeInt(endedCount);
    for (int p = 0; p < pages; p++) {
      w.writeLongs(longs[p]);
      w.writeInts(ints[p]);
      w.writeRefs(refs[p], PAGE, REFS, REF_KINDS);
    }
  }

  /**
   * Reads what {@link #write} wrote, into a table that can be read (a checkpoint's sessions) or
   * {@linkplain #adopt adopted} by a store; {@code services} names the service numbers.
   */
  static SessionTable read(TableCodec.Reader r, String[] services) throws java.io.IOException {
    SessionTable t = new SessionTable();
    int pages = r.readInt();
    if (pages < 0 || pages > (1 << 23)) throw new java.io.IOException("checkpoint: implausible page count " + pages);
    int capacity = Math.max(4, Integer.highestOneBit(Math.max(pages, 1) * 2 - 1));
    t.longs = new long[capacity][];
    t.ints = new int[capacity][];
    t.refs = new Object[capacity][];
    t.sharedLongs = new boolean[capacity];
    t.sharedInts = new boolean[capacity];
    t.sharedRefs = new boolean[capacity];
    t.pages = pages;
    t.used = r.readInt();
    t.freeHead = r.readInt();
    t.inUse = r.readInt();
    t.openHead = r.readInt();
    t.openTail = r.readInt();
    t.openCount = r.readInt();
    t.endedHead = r.readInt();
    t.endedTail = r.readInt();
    t.endedCount = r.readInt();
    if (t.used < 0 || t.used > pages * PAGE + PAGE || t.inUse < 0 || t.inUse > t.used) {
      throw new java.io.IOException("checkpoint: implausible session table counts");
    }
    for (int p = 0; p < pages; p++) {
      t.longs[p] = new long[PAGE * LONGS];
      t.ints[p] = new int[PAGE * INTS];
      t.refs[p] = new Object[PAGE * REFS];
      r.readLongs(t.longs[p]);
      r.readInts(t.ints[p]);
      r.readRefs(t.refs[p], PAGE, REFS, REF_KINDS);
      int[] n = t.ints[p];
      Object[] refs = t.refs[p];
      for (int s = 0; s < PAGE; s++) {
        if ((n[s * INTS + FLAGS] & IN_USE) == 0) continue;
        int service = n[s * INTS + SERVICE_ID];
        if (service < 0 || service >= services.length || services[service] == null) {
          throw new java.io.IOException("checkpoint: a session of an unknown service " + service);
        }
        refs[s * REFS + SERVICE] = services[service];
      }
    }
    return t;
  }

  /**
   * Takes over a table read from a checkpoint, this one being empty: its pages (copied when
   * {@code copy}, for a table still shared with another store), its slots renumbered to this
   * store's service numbers ({@code serviceIds}: the checkpoint's number to ours), and a new
   * index. No per-session objects and no lookups: what restart costs is reading the pages. Adds
   * the open, counted, human sessions to {@code restoredPerService} (by our service number).
   */
  void adopt(SessionTable from, int[] serviceIds, boolean copy, int[] restoredPerService) {
    if (inUse != 0) throw new IllegalStateException("only an empty table adopts a checkpoint's");
    int capacity = Math.max(4, Integer.highestOneBit(Math.max(from.pages, 1) * 2 - 1));
    longs = new long[capacity][];
    ints = new int[capacity][];
    refs = new Object[capacity][];
    sharedLongs = new boolean[capacity];
    sharedInts = new boolean[capacity];
    sharedRefs = new boolean[capacity];
    for (int p = 0; p < from.pages; p++) {
      longs[p] = copy ? from.longs[p].clone() : from.longs[p];
      ints[p] = copy ? from.ints[p].clone() : from.ints[p];
      refs[p] = copy ? from.refs[p].clone() : from.refs[p];
    }
    copyCountsOf(from);
    // A table that never added a session has no page, whatever its first slot number.
    int slots = Math.min(used, pages * PAGE);
    for (int slot = 0; slot < slots; slot++) {
      int[] n = ints[slot >>> PAGE_BITS];
      int io = (slot & (PAGE - 1)) * INTS;
      int flags = n[io + FLAGS];
      if ((flags & IN_USE) == 0) continue;
      int service = serviceIds[n[io + SERVICE_ID]];
      n[io + SERVICE_ID] = service;
      index.add(hashOf(slot), slot);
      if ((flags & (OPEN | COUNTED | IS_BOT)) == (OPEN | COUNTED)) restoredPerService[service]++;
    }
  }

  StoredSession stored(int slot) {
    Attribution a = attribution(slot);
    return new StoredSession(service(slot), keyId(slot), generation(slot), false, firstNanos(slot), lastNanos(slot),
        lastArrivalMillis(slot), pageviews(slot), interactions(slot), i(slot, SPANS), l(slot, LANDING), l(slot, EXIT),
        (String) ref(slot, LANDING_PAGE), (String) ref(slot, EXIT_PAGE), device(slot), channel(slot), botReason(slot),
        counted(slot), (String) ref(slot, PREVIOUS_ID), (String) ref(slot, USER_ID), i(slot, BACKEND),
        i(slot, BACKEND_ERRORS), a == null ? null : a.source(), a == null ? null : a.medium(),
        a == null ? null : a.campaign(), i(slot, CONVERSIONS));
  }

  /** Puts a snapshot's open session back into a slot just opened for it. */
  void restore(int slot, StoredSession x, Attribution attribution) {
    long[] l = longsToWrite(slot >>> PAGE_BITS);
    int lo = (slot & (PAGE - 1)) * LONGS;
    l[lo + FIRST] = x.firstNanos();
    l[lo + LAST] = x.lastNanos();
    l[lo + ARRIVAL] = x.lastArrivalMillis();
    l[lo + LANDING] = x.landingNanos();
    l[lo + EXIT] = x.exitNanos();
    int[] n = intsToWrite(slot >>> PAGE_BITS);
    int io = (slot & (PAGE - 1)) * INTS;
    n[io + PAGEVIEWS] = x.pageviews();
    n[io + INTERACTIONS] = x.interactions();
    n[io + SPANS] = x.spans();
    n[io + BACKEND] = x.backendRequests();
    n[io + BACKEND_ERRORS] = x.backendErrors();
    n[io + CONVERSIONS] = x.conversions();
    if (x.counted()) n[io + FLAGS] |= COUNTED;
    setDevice(slot, x.device());
    setAttribution(slot, attribution);
    setBotReason(slot, x.botReason());
    setRef(slot, LANDING_PAGE, x.landingPage());
    setRef(slot, EXIT_PAGE, x.exitPage());
    setRef(slot, PREVIOUS_ID, x.previousId());
    setRef(slot, USER_ID, x.userId());
  }

  // --- storage --------------------------------------------------------------------------

  private void free(int slot) {
    index.remove(hashOf(slot), slot);
    Object[] r = refsToWrite(slot >>> PAGE_BITS);
    int ro = (slot & (PAGE - 1)) * REFS;
    Arrays.fill(r, ro, ro + REFS, null);
    setI(slot, FLAGS, 0);
    setI(slot, STAMP, i(slot, STAMP) + 1);
    setI(slot, NEXT, freeHead);
    freeHead = slot;
    inUse--;
  }

  private void addPage() {
    if (pages == longs.length) {
      longs = Arrays.copyOf(longs, pages * 2);
      ints = Arrays.copyOf(ints, pages * 2);
      refs = Arrays.copyOf(refs, pages * 2);
      sharedLongs = Arrays.copyOf(sharedLongs, pages * 2);
      sharedInts = Arrays.copyOf(sharedInts, pages * 2);
      sharedRefs = Arrays.copyOf(sharedRefs, pages * 2);
    }
    longs[pages] = new long[PAGE * LONGS];
    ints[pages] = new int[PAGE * INTS];
    refs[pages] = new Object[PAGE * REFS];
    pages++;
  }

  private void linkOpenLast(int slot) {
    setI(slot, PREV, openTail);
    setI(slot, NEXT, NONE);
    if (openTail == NONE) openHead = slot;
    else setI(openTail, NEXT, slot);
    openTail = slot;
  }

  private void unlinkOpen(int slot) {
    int prev = i(slot, PREV);
    int next = i(slot, NEXT);
    if (prev == NONE) openHead = next;
    else setI(prev, NEXT, next);
    if (next == NONE) openTail = prev;
    else setI(next, PREV, prev);
  }

  private void linkEndedLast(int slot) {
    setI(slot, ENDED_PREV, endedTail);
    setI(slot, ENDED_NEXT, NONE);
    if (endedTail == NONE) endedHead = slot;
    else setI(endedTail, ENDED_NEXT, slot);
    endedTail = slot;
  }

  private void unlinkEnded(int slot) {
    int prev = i(slot, ENDED_PREV);
    int next = i(slot, ENDED_NEXT);
    if (prev == NONE) endedHead = next;
    else setI(prev, ENDED_NEXT, next);
    if (next == NONE) endedTail = prev;
    else setI(next, ENDED_PREV, prev);
  }

  private long l(int slot, int field) {
    return longs[slot >>> PAGE_BITS][(slot & (PAGE - 1)) * LONGS + field];
  }

  private int i(int slot, int field) {
    return ints[slot >>> PAGE_BITS][(slot & (PAGE - 1)) * INTS + field];
  }

  private void setI(int slot, int field, int value) {
    intsToWrite(slot >>> PAGE_BITS)[(slot & (PAGE - 1)) * INTS + field] = value;
  }

  private Object ref(int slot, int field) {
    return refs[slot >>> PAGE_BITS][(slot & (PAGE - 1)) * REFS + field];
  }

  private void setRef(int slot, int field, Object value) {
    refsToWrite(slot >>> PAGE_BITS)[(slot & (PAGE - 1)) * REFS + field] = value;
  }

  // A page a checkpoint may be reading is copied before its first change (and then no longer shared).

  private long[] longsToWrite(int page) {
    long[] a = longs[page];
    if (sharedLongs[page]) {
      longs[page] = a = a.clone();
      sharedLongs[page] = false;
    }
    return a;
  }

  private int[] intsToWrite(int page) {
    int[] a = ints[page];
    if (sharedInts[page]) {
      ints[page] = a = a.clone();
      sharedInts[page] = false;
    }
    return a;
  }

  private Object[] refsToWrite(int page) {
    Object[] a = refs[page];
    if (sharedRefs[page]) {
      refs[page] = a = a.clone();
      sharedRefs[page] = false;
    }
    return a;
  }

  // --- keys -----------------------------------------------------------------------------

  private int hashOf(int slot) {
    int service = i(slot, SERVICE_ID);
    if ((i(slot, FLAGS) & PACKED) != 0) return mix(service, l(slot, KEY_HIGH), l(slot, KEY_LOW));
    return mix(service, ((String) ref(slot, KEY_TEXT)).hashCode(), 0);
  }

  private int hash(Key k) {
    return k.packed ? mix(k.serviceId, k.high, k.low) : mix(k.serviceId, k.text.hashCode(), 0);
  }

  private int mix(int service, long a, long b) {
    return SlotIndex.spread(((a * 0x9E3779B97F4A7C15L + b) * 0x9E3779B97F4A7C15L + service) ^ seed);
  }

  /** A lowercase hex digit's value, or -1. */
  private static int digit(char c) {
    return c < 128 ? DIGITS[c] : -1;
  }

  private static final byte[] DIGITS = new byte[128];

  static {
    Arrays.fill(DIGITS, (byte) -1);
    for (int c = '0'; c <= '9'; c++) DIGITS[c] = (byte) (c - '0');
    for (int c = 'a'; c <= 'f'; c++) DIGITS[c] = (byte) (c - 'a' + 10);
  }
}

package io.rumsessions.processor.durability;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.identity.TraceSessions;
import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.metrics.ServiceNames;
import io.rumsessions.processor.session.Assignment;
import io.rumsessions.processor.session.SessionEvent;
import io.rumsessions.processor.session.SessionKey;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.visitors.UniqueVisitors;
import io.rumsessions.processor.visitors.VisitorKey;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Every change a span makes to the recoverable state (sessions, the trace map, the span and
 * session counters, the visitor sketches, the recently seen span ids) passes through here: it
 * is applied and written to the current state-log record. Replay decodes a record and calls the
 * very same apply methods, so a recovered state is the state that was acknowledged, by
 * construction. What is logged are the rules' results (session keys, labels, paths, ids only
 * with consent), never a request: no address, user agent or query string reaches the disk.
 *
 * <p>Called under the state lock ({@link DurableState}), one request at a time, so the log's
 * order is the order the changes were applied in.
 */
public final class StateChanges {
  private static final int TIME = 1;
  private static final int SESSION = 2;
  private static final int VISITOR = 3;
  private static final int BACKEND = 4;
  private static final int SPANS = 5;
  private static final int SWEEP = 6;
  private static final int LAST_NON_DIRECT = 7;

  private static final int PAGEVIEW = 1;
  private static final int INTERACTION = 2;
  private static final int CLIENT = 4;
  private static final int ATTRIBUTED = 8;

  private final SessionStore sessions;
  private final TraceSessions traces;
  private final RumMetrics metrics;
  private final UniqueVisitors visitors;
  private final ServiceNames services;
  private final RecentSpans recent;
  private final RecordBuffer record = new RecordBuffer();
  private final PendingExports exports;
  private final LastNonDirect lastNonDirect;
  private final SessionEvent replayEvent = new SessionEvent();
  private final Assignment replayAssignment = new Assignment();
  private boolean logging = true;
  private long nowMillis;

  /** @param visitors null when unique visitors are not counted */
  public StateChanges(SessionStore sessions, TraceSessions traces, RumMetrics metrics, UniqueVisitors visitors,
      ServiceNames services, RecentSpans recent, PendingExports exports, LastNonDirect lastNonDirect) {
    this.exports = exports;
    this.lastNonDirect = lastNonDirect;
    this.sessions = sessions;
    this.traces = traces;
    this.metrics = metrics;
    this.visitors = visitors;
    this.services = services;
    this.recent = recent;
  }

  /**
   * Starts a request's changes at its arrival time. A record is its state section (an int
   * length, then the changes) followed by the spans it exports ({@link PendingExports}).
   */
  public void begin(long nowMillis) {
    this.nowMillis = nowMillis;
    record.reset();
    record.writeInt(0);
    exports.begin(nowMillis);
    if (logging) {
      record.writeByte(TIME);
      record.writeLong(nowMillis);
    }
  }

  /** Whether a span with this hash was already counted ({@link RecentSpans}). */
  public boolean isDuplicate(long spanHash) {
    return recent.seen(spanHash);
  }

  /**
   * Places a span in its session (see {@link SessionStore#record}) and counts what that alone
   * decides: the conversion, the bot span, the trace a backend may join.
   *
   * @param clientTrace whether the span is a CLIENT span whose trace a backend span may join
   */
  public void session(long spanHash, SessionKey key, SessionEvent e, boolean clientTrace, long traceHigh,
      long traceLow, Assignment out) {
    if (logging) {
      record.writeByte(SESSION);
      record.writeLong(spanHash);
      record.writeString(key.service());
      record.writeString(key.id());
      record.writeLong(e.timeNanos());
      Attribution a = e.attribution();
      record.writeByte((e.pageview() ? PAGEVIEW : 0) | (e.interaction() ? INTERACTION : 0) | (clientTrace ? CLIENT : 0)
          | (a != null ? ATTRIBUTED : 0));
      record.writeString(e.page());
      record.writeString(e.device());
      if (a != null) writeAttribution(a);
      record.writeString(e.conversion());
      record.writeString(e.botReason());
      record.writeString(e.previousId());
      record.writeString(e.userId());
      if (clientTrace) {
        record.writeLong(traceHigh);
        record.writeLong(traceLow);
      }
    }
    sessions.record(key, e, nowMillis, out);
    switch (out.outcome()) {
      case ACCEPTED -> {
        if (clientTrace) traces.remember(traceHigh, traceLow, out.sessionHandle());
        if (e.conversion() != null) metrics.conversion(key.service(), e.conversion(), out.attribution());
      }
      case BOT -> metrics.botSpans(key.service(), out.botReason(), 1);
      default -> {}
    }
  }

  /**
   * The attribution a consented visitor's pageview gives its session ({@link LastNonDirect}):
   * a non-direct one is remembered for the visitor and kept; a direct one takes the visitor's
   * last non-direct one within the lookback, if any.
   *
   * @param visitor the hash of the visitor's {@code user.id}
   */
  public Attribution attributionFor(long visitor, Attribution own) {
    if (lastNonDirect == null || own == null) return own;
    if (!LastNonDirect.isNonDirect(own)) return lastNonDirect.resolve(visitor, own, nowMillis);
    if (logging) {
      record.writeByte(LAST_NON_DIRECT);
      record.writeLong(visitor);
      writeAttribution(own);
    }
    lastNonDirect.remember(visitor, own, nowMillis);
    return own;
  }

  private void writeAttribution(Attribution a) {
    record.writeString(a.source());
    record.writeString(a.medium());
    record.writeString(a.campaign());
    record.writeString(a.channelLabel());
  }

  private static Attribution readAttribution(RecordReader in) throws IOException {
    String source = in.readString();
    String medium = in.readString();
    String campaign = in.readString();
    Channel channel = Channel.fromLabel(in.readString());
    Attribution a = new Attribution(source, medium, campaign, Attribution.NOT_SET, Attribution.NOT_SET, channel);
    return a.equals(Attribution.direct()) ? Attribution.direct() : a;
  }

  /** A session counted as started: its visitor goes into the sketches. */
  public void visitor(String service, VisitorKey visitor) {
    if (visitors == null) return;
    if (logging) {
      record.writeByte(VISITOR);
      record.writeString(service);
      record.writeLong(visitor.hash());
      record.writeByte(visitor.persistent() ? 1 : 0);
    }
    metrics.visitorSession(service, visitors.sessionStarted(service, visitor, nowMillis));
  }

  /** A backend span joins the session its trace belongs to; returns that session's id, or null. */
  public String backend(long spanHash, long traceHigh, long traceLow, boolean error) {
    if (logging) {
      record.writeByte(BACKEND);
      record.writeLong(spanHash);
      record.writeLong(traceHigh);
      record.writeLong(traceLow);
      record.writeByte(error ? 1 : 0);
    }
    return sessions.recordBackend(traces.sessionOf(traceHigh, traceLow), error);
  }

  /** A resource's span counts by outcome. */
  public void spans(String service, SpanCounts c) {
    if (c.isEmpty()) return;
    if (logging) {
      record.writeByte(SPANS);
      record.writeString(service);
      for (long n : c.values()) record.writeVarint(n);
    }
    c.countInto(metrics, service);
  }

  /** Ends idle sessions ({@link SessionStore#sweep}); logged only when it changed something. */
  public void sweep(long nowMillis) {
    if (sessions.sweep(nowMillis) && logging) {
      record.writeByte(SWEEP);
      record.writeLong(nowMillis);
    }
  }

  /** Off once the durability mode is {@code none}: changes are applied, not written. */
  void logging(boolean on) {
    logging = on;
  }

  /** Bytes of state changes in the current record (beyond its length and the request's time). */
  int stateBytes() {
    record.putInt(0, record.length() - 4);
    return logging ? record.length() - 4 - 9 : 0;
  }

  RecordBuffer record() {
    return record;
  }

  PendingExports exports() {
    return exports;
  }

  /** Applies one logged record's state changes again, writing nothing; its exports are the exporter's. */
  void replay(ByteBuffer payload) throws IOException {
    boolean was = logging;
    logging = false;
    try {
      RecordReader head = new RecordReader(payload.duplicate());
      RecordReader in = new RecordReader(head.slice(head.readInt()));
      while (in.hasMore()) {
        int op = in.readByte();
        switch (op) {
          case TIME -> nowMillis = in.readLong();
          case SESSION -> replaySession(in);
          case VISITOR -> visitor(in.readString(), new VisitorKey(in.readLong(), in.readByte() == 1));
          case BACKEND -> {
            recent.seen(in.readLong());
            backend(0, in.readLong(), in.readLong(), in.readByte() == 1);
          }
          case SPANS -> {
            String service = in.readString();
            services.canonical(service);
            long[] v = new long[SpanCounts.FIELDS];
            for (int i = 0; i < v.length; i++) v[i] = in.readVarint();
            SpanCounts.of(v).countInto(metrics, service);
          }
          case SWEEP -> sessions.sweep(in.readLong());
          case LAST_NON_DIRECT -> {
            long visitor = in.readLong();
            Attribution a = readAttribution(in);
            if (lastNonDirect != null) lastNonDirect.remember(visitor, a, nowMillis);
          }
          default -> throw new IOException("state log: unknown change " + op);
        }
      }
    } finally {
      logging = was;
    }
  }

  /** The export section of a logged record. */
  static ByteBuffer exportSection(ByteBuffer payload) throws IOException {
    RecordReader head = new RecordReader(payload.duplicate());
    head.slice(head.readInt());
    return head.rest();
  }

  private void replaySession(RecordReader in) throws IOException {
    long hash = in.readLong();
    recent.seen(hash);
    SessionKey key = new SessionKey(in.readString(), in.readString());
    long t = in.readLong();
    int flags = in.readByte();
    String page = in.readString();
    String device = in.readString();
    Attribution a = (flags & ATTRIBUTED) != 0 ? readAttribution(in) : null;
    SessionEvent e = replayEvent.set(t, (flags & PAGEVIEW) != 0, (flags & INTERACTION) != 0, page)
        .labels(device, a)
        .conversion(in.readString())
        .bot(in.readString())
        .stitching(in.readString(), in.readString());
    boolean client = (flags & CLIENT) != 0;
    long high = client ? in.readLong() : 0;
    long low = client ? in.readLong() : 0;
    session(hash, key, e, client, high, low, replayAssignment);
  }
}

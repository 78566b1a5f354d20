package io.rumsessions.processor.identity;

import com.google.protobuf.ByteString;
import io.rumsessions.processor.session.SessionKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which session a trace belongs to, learnt from browser spans: the OpenTelemetry web fetch
 * instrumentation propagates {@code traceparent}, so the backend's server span for that
 * request shares the browser span's trace id. Bounded: the least recently seen traces are
 * forgotten first.
 */
public final class TraceSessions {
  private final LinkedHashMap<ByteString, SessionKey> traces;

  public TraceSessions(int capacity) {
    this.traces = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteString, SessionKey> eldest) {
        return size() > capacity;
      }
    };
  }

  public synchronized void remember(ByteString traceId, SessionKey session) {
    traces.put(traceId, session);
  }

  /** The session a trace was seen in, or null. */
  public synchronized SessionKey sessionOf(ByteString traceId) {
    return traces.get(traceId);
  }

  public synchronized int size() {
    return traces.size();
  }
}

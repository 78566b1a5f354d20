package io.rumsessions.processor.ingest;

import java.util.Arrays;

/**
 * The user agents the spans of one resource carry, by client session id, kept while the pipeline
 * walks that resource. The OpenTelemetry JS web SDK puts {@code user_agent.original} on its
 * {@code documentLoad} span only, and sends it after the {@code documentFetch} and
 * {@code resourceFetch} spans of the same page load: without consent the cookie-free id includes
 * the agent, so those spans need the agent of the span that carries it.
 *
 * <p>The client session id is held here only for the walk of one resource (cleared after it):
 * without consent it is never kept beyond the request, logged or exported. Reused per thread; a
 * resource has one or a few client session ids, so a linear search is the cheapest map.
 */
final class ResourceAgents {
  private String[] ids = new String[4];
  private String[] agents = new String[4];
  private int size;
  /** The one distinct agent of the resource's spans, or null (none, or several). */
  private String only;
  private boolean several;

  void clear() {
    Arrays.fill(ids, 0, size, null);
    Arrays.fill(agents, 0, size, null);
    size = 0;
    only = null;
    several = false;
  }

  /** A span of the resource carries {@code agent}; {@code clientSessionId} may be null. */
  void seen(String clientSessionId, String agent) {
    if (!several) {
      if (only == null) only = agent;
      else if (!only.equals(agent)) {
        only = null;
        several = true;
      }
    }
    if (clientSessionId == null) return;
    for (int i = 0; i < size; i++) {
      if (ids[i].equals(clientSessionId)) {
        agents[i] = agent;
        return;
      }
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      agents = Arrays.copyOf(agents, size * 2);
    }
    ids[size] = clientSessionId;
    agents[size++] = agent;
  }

  /** The (last) agent a span of that client session carried in this resource, or null. */
  String of(String clientSessionId) {
    for (int i = 0; i < size; i++) {
      if (ids[i].equals(clientSessionId)) return agents[i];
    }
    return null;
  }

  /** The resource's only user agent, when its spans carry exactly one distinct agent; else null. */
  String only() {
    return several ? null : only;
  }
}

package io.rumsessions.extension.session;

import io.rumsessions.extension.config.SessionSource;

/** A request's session id, the previous one if any, and the source both came from. */
public final class SessionIds {

  private final String id;
  private final String previousId;
  private final SessionSource source;

  SessionIds(String id, String previousId, SessionSource source) {
    this.id = id;
    this.previousId = previousId;
    this.source = source;
  }

  public String id() {
    return id;
  }

  /** Null when absent or invalid, or equal to {@link #id()}. */
  public String previousId() {
    return previousId;
  }

  public SessionSource source() {
    return source;
  }

  @Override
  public String toString() {
    return "SessionIds{" + id + ", previous=" + previousId + ", from " + source + "}";
  }
}

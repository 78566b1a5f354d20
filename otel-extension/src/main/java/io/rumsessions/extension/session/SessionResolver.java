package io.rumsessions.extension.session;

import io.rumsessions.extension.config.RumSessionConfig;
import io.rumsessions.extension.config.SessionSource;
import java.util.List;

/**
 * Picks a request's session id: the configured sources in order, the first with a valid id wins;
 * the previous id is taken from the same source only (never mixed), and dropped when invalid or
 * equal to the id.
 */
public final class SessionResolver {

  /** What a request offers, per source; values may be null. */
  public interface Candidates {
    String id(SessionSource source);

    String previousId(SessionSource source);
  }

  private final SessionSource[] sources;
  private final SessionIdValidator validator;

  public SessionResolver(List<SessionSource> sources, SessionIdValidator validator) {
    this.sources = sources.toArray(new SessionSource[0]);
    this.validator = validator;
  }

  public static SessionResolver from(RumSessionConfig config) {
    return new SessionResolver(config.sources(), SessionIdValidator.from(config));
  }

  /** The ids, or null when no source has a valid id. */
  public SessionIds resolve(Candidates candidates) {
    for (SessionSource source : sources) {
      String id = candidates.id(source);
      if (validator.isValid(id)) {
        String previous = candidates.previousId(source);
        if (!validator.isValid(previous) || previous.equals(id)) {
          previous = null;
        }
        return new SessionIds(id, previous, source);
      }
    }
    return null;
  }
}

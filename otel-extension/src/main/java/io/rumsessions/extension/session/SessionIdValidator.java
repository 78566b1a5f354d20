package io.rumsessions.extension.session;

import io.rumsessions.extension.config.RumSessionConfig;
import java.util.regex.Pattern;

/**
 * The processor's rule for a client session id ({@code InputMapping.validId}): 1 to {@code
 * max-length} characters, printable ASCII without spaces; plus, when configured, a regular
 * expression the whole id must match.
 */
public final class SessionIdValidator {

  private final int maxLength;
  private final Pattern pattern;

  public SessionIdValidator(int maxLength, Pattern pattern) {
    this.maxLength = maxLength;
    this.pattern = pattern;
  }

  public static SessionIdValidator from(RumSessionConfig config) {
    return new SessionIdValidator(config.maxLength(), config.idPattern());
  }

  public boolean isValid(String id) {
    if (id == null || id.isEmpty() || id.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return pattern == null || pattern.matcher(id).matches();
  }
}

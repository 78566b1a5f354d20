package io.rumsessions.extension.config;

import java.util.Locale;

/** Where the browser's session id may come from, in the order configured. */
public enum SessionSource {
  /** W3C baggage entries {@code session.id} and {@code session.previous_id}. */
  BAGGAGE,
  /** The configured request headers. */
  HEADER,
  /** The configured cookies. */
  COOKIE;

  /** Parses {@code baggage}, {@code header} or {@code cookie} (any case); null otherwise. */
  public static SessionSource parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (SessionSource s : values()) {
      if (s.name().toLowerCase(Locale.ROOT).equals(v)) {
        return s;
      }
    }
    return null;
  }
}

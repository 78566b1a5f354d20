package io.rumsessions.extension.config;

import java.util.Locale;

/** What the extension does with a request it judges to be a bot (or an excluded path). */
public enum BotMode {
  /** No bot rules run. */
  OFF,
  /** The request's spans get {@code user_agent.synthetic.type} and {@code rum.bot.reason}. */
  MARK,
  /** A sampler records nothing for the request: no server span, no span below it. */
  DROP;

  /** Parses {@code off}, {@code mark} or {@code drop} (any case); null for anything else. */
  public static BotMode parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (BotMode m : values()) {
      if (m.name().toLowerCase(Locale.ROOT).equals(v)) {
        return m;
      }
    }
    return null;
  }
}

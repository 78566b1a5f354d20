package io.rumsessions.extension.consent;

import java.util.Locale;

/** A consent signal for analytics, as the processor reads {@code consent.analytics}. */
public enum Consent {
  GRANTED("granted"),
  DENIED("denied"),
  /** No signal, or one that says neither. */
  UNKNOWN(null);

  private final String value;

  Consent(String value) {
    this.value = value;
  }

  /** The attribute and baggage value ({@code granted}, {@code denied}); null for unknown. */
  public String value() {
    return value;
  }

  /**
   * Reads a signal the way the processor does: {@code granted} or {@code true} grant, {@code
   * denied} or {@code false} deny (any case, surrounding spaces ignored); anything else is unknown.
   */
  public static Consent parse(String v) {
    if (v == null) {
      return UNKNOWN;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    if (t.equals("granted") || t.equals("true")) {
      return GRANTED;
    }
    if (t.equals("denied") || t.equals("false")) {
      return DENIED;
    }
    return UNKNOWN;
  }
}

package io.rumsessions.processor.visitors;

/** Whether a started session is its visitor's first within the lookback: the {@code visitor_type} label. */
public enum VisitorType {
  NEW("new"),
  RETURNING("returning"),
  /** The visitor has no id that lasts beyond a day (no consent, or no {@code user.id}): unknowable. */
  UNIDENTIFIED("unidentified");

  private final String label;

  VisitorType(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}

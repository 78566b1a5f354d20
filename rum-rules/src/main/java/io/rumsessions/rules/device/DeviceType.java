package io.rumsessions.rules.device;

/** Coarse device class of a user agent; a bounded metric label. */
public enum DeviceType {
  DESKTOP("desktop"),
  MOBILE("mobile"),
  TABLET("tablet"),
  BOT("bot"),
  /** Smart TVs, consoles, set-top boxes, wearables, VR headsets, and anything unrecognised. */
  OTHER("other");

  private final String label;

  DeviceType(String label) {
    this.label = label;
  }

  /** The lowercase label, e.g. {@code "mobile"}. */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}

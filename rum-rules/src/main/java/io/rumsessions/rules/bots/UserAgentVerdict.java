package io.rumsessions.rules.bots;

import io.rumsessions.rules.device.BrowserFamily;
import io.rumsessions.rules.device.DeviceType;

/**
 * What one pass over a user agent found: whether it is a bot (and why), the device class and the
 * browser family. Immutable. There are only a few hundred distinct verdicts, so every instance is
 * canonical: {@link #of} never allocates and verdicts can be compared with {@code ==}.
 */
public final class UserAgentVerdict {

  private static final BotReason[] REASONS = BotReason.values();
  private static final DeviceType[] DEVICES = DeviceType.values();
  private static final BrowserFamily[] BROWSERS = BrowserFamily.values();

  /** Index 0 is "human" (no reason); index r + 1 is {@code REASONS[r]}. */
  private static final UserAgentVerdict[][][] CANONICAL =
      new UserAgentVerdict[REASONS.length + 1][DEVICES.length][BROWSERS.length];

  static {
    for (int r = 0; r <= REASONS.length; r++) {
      for (int d = 0; d < DEVICES.length; d++) {
        for (int b = 0; b < BROWSERS.length; b++) {
          CANONICAL[r][d][b] =
              new UserAgentVerdict(r == 0 ? null : REASONS[r - 1], DEVICES[d], BROWSERS[b]);
        }
      }
    }
  }

  private final BotReason botReason;
  private final DeviceType device;
  private final BrowserFamily browser;

  private UserAgentVerdict(BotReason botReason, DeviceType device, BrowserFamily browser) {
    this.botReason = botReason;
    this.device = device;
    this.browser = browser;
  }

  /**
   * The canonical verdict for these values.
   *
   * @param botReason null for a human visitor
   */
  public static UserAgentVerdict of(BotReason botReason, DeviceType device, BrowserFamily browser) {
    if (device == null || browser == null) {
      throw new NullPointerException("device and browser are required");
    }
    int r = botReason == null ? 0 : botReason.ordinal() + 1;
    return CANONICAL[r][device.ordinal()][browser.ordinal()];
  }

  /** The same browser family, marked as a bot for {@code reason}, device {@link DeviceType#BOT}. */
  public UserAgentVerdict asBot(BotReason reason) {
    if (reason == null) {
      throw new NullPointerException("reason");
    }
    return of(reason, DeviceType.BOT, browser);
  }

  /** Why this is a bot, or null for a human visitor. */
  public BotReason botReason() {
    return botReason;
  }

  public boolean isBot() {
    return botReason != null;
  }

  /** Device class; {@link DeviceType#BOT} whenever {@link #isBot()}. */
  public DeviceType device() {
    return device;
  }

  /** Browser family as an enum. */
  public BrowserFamily browser() {
    return browser;
  }

  /** Browser family label, e.g. {@code "chrome"}; one of {@link BrowserFamily}'s labels. */
  public String browserFamily() {
    return browser.label();
  }

  /** The {@link BotReason#label()} or null for a human visitor. */
  public String botReasonLabel() {
    return botReason == null ? null : botReason.label();
  }

  @Override
  public String toString() {
    return "UserAgentVerdict{bot="
        + (botReason == null ? "no" : botReason.label())
        + ", device="
        + device.label()
        + ", browser="
        + browser.label()
        + '}';
  }
}

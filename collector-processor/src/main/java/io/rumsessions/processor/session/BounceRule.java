package io.rumsessions.processor.session;

/**
 * A bounce is a session with fewer than two pageviews and no interactive event (Plausible's and
 * GA's classic rule; a click on a single page is not a bounce).
 */
public final class BounceRule {
  private BounceRule() {}

  public static boolean isBounce(SessionSummary s) {
    return s.pageviews() < 2 && s.interactions() == 0;
  }
}

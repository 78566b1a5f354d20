package io.rumsessions.processor.durability;

import java.util.function.BooleanSupplier;

/**
 * The requests coming in, as the state's background work sees them: the group commit waits for
 * those on their way to the log, and a checkpoint's writer gives the core to any that came.
 */
public interface RequestTraffic {
  /** Requests decoded or applied now, not yet appended to the log. */
  int onTheirWay();

  /** Requests that have set out so far: one more each time one does. */
  long arrivals();

  /** Runs {@code noneOnTheirWay} (cheap, never blocking) each time the last request on its way arrives. */
  default void whenNoneOnTheirWay(Runnable noneOnTheirWay) {}

  /**
   * Whether a request came since the last time the returned supplier was asked (or is on its way
   * now). Not whether one is on its way at the moment of asking: on one core, while a checkpoint's
   * writer runs, the requests that came meanwhile wait for the core and are not on their way yet,
   * so the writer saw none and went on unpaced, at twice its share in the replay's latency stalls
   * (bench/RESULTS.md, "Session 17"). For one asker.
   */
  default BooleanSupplier cameSinceAsked() {
    long[] seen = {arrivals()};
    return () -> {
      long now = arrivals();
      boolean came = now != seen[0] || onTheirWay() > 0;
      seen[0] = now;
      return came;
    };
  }
}

package io.rumsessions.extension.bots;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The trace ids of recently dropped bot requests, so spans started below a dropped server span
 * are dropped too even when the configured sampler does not follow its parent. Bounded and
 * lossy: one slot per hash, a newer id overwrites an older one; a miss only means the configured
 * sampler decides (a parent-based one drops the span anyway).
 */
final class DroppedTraces {

  private final AtomicReferenceArray<String> slots;
  private final int mask;

  DroppedTraces(int capacity) {
    int size = Integer.highestOneBit(Math.max(16, capacity - 1) << 1);
    this.slots = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
  }

  void add(String traceId) {
    slots.set(index(traceId), traceId);
  }

  boolean contains(String traceId) {
    String s = slots.get(index(traceId));
    return s != null && (s == traceId || s.equals(traceId));
  }

  private int index(String traceId) {
    int h = traceId.hashCode();
    return (h ^ (h >>> 16)) & mask;
  }
}

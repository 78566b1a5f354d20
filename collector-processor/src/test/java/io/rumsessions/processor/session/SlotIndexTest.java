package io.rumsessions.processor.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlotIndexTest {
  /** The slots indexed under a hash, by walking its probe run. */
  static List<Integer> slotsOf(SlotIndex index, int hash) {
    List<Integer> out = new ArrayList<>();
    for (int p = index.start(hash); ; p = index.next(p)) {
      int slot = index.slotAt(p, hash);
      if (slot == SlotIndex.END) return out;
      if (slot >= 0) out.add(slot);
    }
  }

  /**
   * Against a map, with hashes drawn from few values whose low bits collide (long probe runs that
   * wrap around the end), through growth and many removals: no entry is ever lost or left behind.
   */
  @Test
  void agreesWithAMapThroughCollisionsGrowthAndRemovals() {
    SlotIndex index = new SlotIndex(0.7);
    Map<Integer, Integer> model = new HashMap<>(); // slot -> hash
    Random r = new Random(3);
    int nextSlot = 0;
    for (int op = 0; op < 20_000; op++) {
      if (model.isEmpty() || r.nextInt(20) < 11) {
        // Low bits: two values, one of them the last position, so that runs wrap around.
        int hash = (r.nextInt(40) << 20) | (r.nextBoolean() ? 0 : 0xFFFF);
        index.add(hash, nextSlot);
        model.put(nextSlot++, hash);
      } else {
        List<Integer> slots = new ArrayList<>(model.keySet());
        int slot = slots.get(r.nextInt(slots.size()));
        index.remove(model.remove(slot), slot);
      }
      if (op % 499 == 0) {
        for (Map.Entry<Integer, Integer> e : model.entrySet()) {
          assertThat(slotsOf(index, e.getValue())).as("op %d", op).contains(e.getKey());
        }
        Map<Integer, List<Integer>> byHash = new HashMap<>();
        model.forEach((slot, hash) -> byHash.computeIfAbsent(hash, h -> new ArrayList<>()).add(slot));
        byHash.forEach((hash, slots) -> assertThat(slotsOf(index, hash)).containsExactlyInAnyOrderElementsOf(slots));
      }
    }
    assertThat(index.size()).isEqualTo(model.size());
  }

  @Test
  void anEmptyIndexFindsNothingAndALoadOverThreeQuartersIsRefused() {
    assertThat(slotsOf(new SlotIndex(0.5), 12345)).isEmpty();
    assertThatThrownBy(() -> new SlotIndex(0.9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlotIndex(0)).isInstanceOf(IllegalArgumentException.class);
  }
}

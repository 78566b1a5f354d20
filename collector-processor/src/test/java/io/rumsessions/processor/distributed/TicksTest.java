package io.rumsessions.processor.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TicksTest {
  @Test
  void theWatermarkIsTheLeastInputPartitionTimeOnceEachHasTicked() {
    Ticks.Watermark w = new Ticks.Watermark();
    assertThat(w.update(Ticks.encode(0, 3, 1_000))).isEqualTo(-1);
    assertThat(w.update(Ticks.encode(2, 3, 5_000))).isEqualTo(-1);
    assertThat(w.update(Ticks.encode(1, 3, 3_000))).isEqualTo(1_000);
    assertThat(w.update(Ticks.encode(0, 3, 9_000))).isEqualTo(3_000);
    // A tick older than what a partition already said changes nothing.
    assertThat(w.update(Ticks.encode(1, 3, 2_000))).isEqualTo(3_000);
    // More input partitions: the new one holds the watermark back until it ticks.
    assertThat(w.update(Ticks.encode(0, 4, 10_000))).isEqualTo(-1);
    assertThat(w.update(Ticks.encode(3, 4, 4_000))).isEqualTo(3_000);
  }
}

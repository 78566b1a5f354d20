package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequestBuffersTest {
  static final int SMALLEST = RequestBuffers.SMALLEST;

  @Test
  void anArrayGivenBackTakesTheNextRequestThatFitsIt() {
    RequestBuffers buffers = new RequestBuffers(2, 1 << 20);
    byte[] first = buffers.take(100_000);
    assertThat(first).hasSize(128 * 1024);
    buffers.give(first);
    assertThat(buffers.kept()).isEqualTo(1);

    assertThat(buffers.take(5)).isSameAs(first);
    assertThat(buffers.kept()).isZero();
    // None free: a new one.
    assertThat(buffers.take(5)).isNotSameAs(first).hasSize(SMALLEST);
  }

  @Test
  void sizesArePowersOfTwoBetweenTheSmallestAndTheBound() {
    RequestBuffers buffers = new RequestBuffers(1, 1 << 20);
    assertThat(buffers.sizeFor(0)).isEqualTo(SMALLEST);
    assertThat(buffers.sizeFor(SMALLEST)).isEqualTo(SMALLEST);
    assertThat(buffers.sizeFor(SMALLEST + 1)).isEqualTo(2 * SMALLEST);
    assertThat(buffers.sizeFor(1 << 19)).isEqualTo(1 << 19);
    assertThat(buffers.sizeFor((1 << 19) + 1)).isEqualTo(1 << 20);
    assertThat(buffers.sizeFor(1 << 20)).isEqualTo(1 << 20);
    // Over the bound: exactly the request, since it will not be kept.
    assertThat(buffers.sizeFor((1 << 20) + 1)).isEqualTo((1 << 20) + 1);

    RequestBuffers odd = new RequestBuffers(1, 3 * SMALLEST);
    assertThat(odd.sizeFor(2 * SMALLEST + 1)).isEqualTo(3 * SMALLEST);
  }

  @Test
  void keepsNoMoreArraysThanTheCountAndNoneOverTheBound() {
    RequestBuffers buffers = new RequestBuffers(2, 64 * 1024);
    buffers.give(new byte[SMALLEST]);
    buffers.give(new byte[SMALLEST]);
    buffers.give(new byte[SMALLEST]);
    assertThat(buffers.kept()).isEqualTo(2);

    RequestBuffers bounded = new RequestBuffers(2, 64 * 1024);
    bounded.give(bounded.take(64 * 1024 + 1));
    assertThat(bounded.kept()).isZero();
    bounded.give(bounded.take(64 * 1024));
    assertThat(bounded.kept()).isEqualTo(1);
  }

  @Test
  void anArrayTooShortForTheRequestIsDroppedNotCycled() {
    RequestBuffers buffers = new RequestBuffers(1, 1 << 20);
    byte[] small = buffers.take(10);
    buffers.give(small);
    byte[] large = buffers.take(200_000);
    assertThat(large).isNotSameAs(small).hasSize(256 * 1024);
    assertThat(buffers.kept()).isZero();
    buffers.give(large);
    assertThat(buffers.take(10)).isSameAs(large);
  }

  @Test
  void refusesABoundBelowTheSmallestArray() {
    assertThatThrownBy(() -> new RequestBuffers(1, SMALLEST - 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RequestBuffers(0, SMALLEST)).isInstanceOf(IllegalArgumentException.class);
  }
}

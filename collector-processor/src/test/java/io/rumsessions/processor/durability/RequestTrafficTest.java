package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.receive.Admission;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class RequestTrafficTest {
  private final Admission admission = new Admission(4);

  @Test
  void aRequestThatCameAndWentBetweenTwoAsksCounts() {
    BooleanSupplier came = admission.cameSinceAsked();
    assertThat(came.getAsBoolean()).as("nothing came yet").isFalse();
    // On one core a request is read and applied while the writer waits for the core: by the time
    // the writer asks again, it has arrived at the log. It came all the same.
    admission.arriving();
    admission.arrived();
    assertThat(admission.onTheirWay()).isZero();
    assertThat(came.getAsBoolean()).isTrue();
    assertThat(came.getAsBoolean()).as("the same request is not counted twice").isFalse();
  }

  @Test
  void aRequestStillOnItsWayCountsAtEveryAsk() {
    BooleanSupplier came = admission.cameSinceAsked();
    admission.arriving();
    assertThat(came.getAsBoolean()).isTrue();
    assertThat(came.getAsBoolean()).isTrue();
    admission.arrived();
    assertThat(came.getAsBoolean()).isFalse();
  }

  @Test
  void eachAskerHasItsOwnMemory() {
    BooleanSupplier first = admission.cameSinceAsked();
    BooleanSupplier second = admission.cameSinceAsked();
    admission.arriving();
    admission.arrived();
    assertThat(first.getAsBoolean()).isTrue();
    assertThat(second.getAsBoolean()).isTrue();
    assertThat(admission.arrivals()).isEqualTo(1);
  }
}

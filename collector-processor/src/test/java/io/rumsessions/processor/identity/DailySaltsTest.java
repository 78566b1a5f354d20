package io.rumsessions.processor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which days' salts exist: asked once per span (without a lock) to decide whether yesterday's id may match. */
class DailySaltsTest {
  static final long DAY = 20_426;

  @Test
  void aSaltExistsFromItsFirstUseUntilTheDayAfterTomorrow() {
    DailySalts salts = new DailySalts(new SecureRandom(), (Path) null);
    assertThat(salts.exists(DAY)).isFalse();

    salts.forDay(DAY);
    assertThat(salts.exists(DAY)).isTrue();
    assertThat(salts.exists(DAY - 1)).as("never made").isFalse();

    salts.forDay(DAY + 1);
    assertThat(salts.exists(DAY)).as("yesterday's").isTrue();
    assertThat(salts.exists(DAY + 1)).isTrue();

    salts.forDay(DAY + 2);
    assertThat(salts.exists(DAY)).as("two days old: forgotten").isFalse();
    assertThat(salts.exists(DAY + 1)).isTrue();
    assertThat(salts.exists(DAY + 2)).isTrue();

    assertThat(salts.forDay(DAY)).as("too old to be made again").isNull();
    assertThat(salts.exists(DAY)).isFalse();
  }

  @Test
  void yesterdaysSaltMadeByAnotherInstanceExistsOnceTheDayTurns(@TempDir Path dir) {
    byte[] made = new DailySalts(new SecureRandom(), dir).forDay(DAY);

    DailySalts other = new DailySalts(new SecureRandom(), dir);
    other.forDay(DAY + 1);
    assertThat(other.exists(DAY)).isTrue();
    assertThat(other.forDay(DAY)).isEqualTo(made);
  }
}

package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CommitDelayTest {
  @Test
  void waitsUntilTheOthersHaveAppended() throws Exception {
    AtomicInteger applying = new AtomicInteger(2);
    AtomicBoolean allAppended = new AtomicBoolean();
    CountDownLatch waiting = new CountDownLatch(1);
    Thread others = new Thread(() -> {
      try {
        waiting.await();
        Thread.sleep(30);
        applying.decrementAndGet();
        Thread.sleep(30);
        allAppended.set(true);
        applying.decrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    others.start();
    waiting.countDown();
    new CommitDelay(Duration.ofSeconds(30), applying::get).await();
    assertThat(allAppended).isTrue();
    others.join();
  }

  /** A thread in {@code delay.await()}, started; the delay looks at the others once a minute only. */
  private static Thread waiting(CommitDelay delay) throws InterruptedException {
    Thread waiter = new Thread(delay::await);
    waiter.start();
    Thread.sleep(50);
    assertThat(waiter.isAlive()).isTrue();
    return waiter;
  }

  /** Rarely looks: only a wake-up can end its wait within a test's bounds. */
  private static CommitDelay rarelyLooking(AtomicInteger applying) {
    return new CommitDelay(Duration.ofMinutes(5), applying::get, Duration.ofMinutes(1));
  }

  @Test
  void theWaiterGoesOnWhenTheLastOtherArrivesNotAtItsNextLook() throws Exception {
    AtomicInteger applying = new AtomicInteger(1);
    CommitDelay delay = rarelyLooking(applying);
    Thread waiter = waiting(delay);
    applying.set(0);
    delay.othersArrived();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).as("woken, not waiting for its next look").isFalse();
  }

  @Test
  void aWakeUpWithOthersStillOnTheirWayDoesNotEndTheWait() throws Exception {
    AtomicInteger applying = new AtomicInteger(2);
    CommitDelay delay = rarelyLooking(applying);
    Thread waiter = waiting(delay);
    applying.decrementAndGet();
    delay.othersArrived();
    waiter.join(200);
    assertThat(waiter.isAlive()).isTrue();
    applying.decrementAndGet();
    delay.othersArrived();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).isFalse();
  }

  @Test
  void neverWaitsLongerThanItsBoundForOthersThatDoNotFinish() {
    long started = System.nanoTime();
    new CommitDelay(Duration.ofMillis(80), () -> 1).await();
    assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(80));
  }

  @Test
  void doesNotLookAgainWhenNobodyElseIsApplying() {
    AtomicInteger looks = new AtomicInteger();
    new CommitDelay(Duration.ofSeconds(30), () -> {
      looks.incrementAndGet();
      return 0;
    }).await();
    assertThat(looks).hasValue(1);
    CommitDelay.NONE.await();
  }

  @Test
  void oneFsyncCoversTheRecordsAppendedWhileItsLeaderWaited(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    AtomicInteger applying = new AtomicInteger(1);
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, true, b -> {})) {
      log.commitDelay(new CommitDelay(Duration.ofSeconds(30), applying::get));
      long first = log.append(new byte[] {1}, 1);
      Thread leader = new Thread(() -> {
        try {
          log.awaitDurable(first);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      leader.start();
      Thread.sleep(50);
      long second = log.append(new byte[] {2}, 1);
      applying.set(0);
      leader.join();
      log.awaitDurable(second);
      assertThat(log.syncs()).isEqualTo(1);
      assertThat(log.records()).isEqualTo(2);
    }
  }
}

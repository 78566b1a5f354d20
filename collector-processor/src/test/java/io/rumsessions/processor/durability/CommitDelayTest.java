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

  @Test
  void theWaiterGoesOnWhenTheLastOtherArrivesNotAtItsNextLook() throws Exception {
    AtomicInteger applying = new AtomicInteger(1);
    // Looks once a minute: only the wake-up can end the wait within the test's bound.
    CommitDelay delay = new CommitDelay(Duration.ofMinutes(5), applying::get, Duration.ofMinutes(1));
    Thread waiter = new Thread(delay::await);
    waiter.start();
    Thread.sleep(50);
    assertThat(waiter.isAlive()).isTrue();
    applying.set(0);
    delay.othersArrived();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).as("woken, not waiting for its next look").isFalse();
  }

  @Test
  void aWakeUpWithOthersStillOnTheirWayDoesNotEndTheWait() throws Exception {
    AtomicInteger applying = new AtomicInteger(2);
    CommitDelay delay = new CommitDelay(Duration.ofMinutes(5), applying::get, Duration.ofMinutes(1));
    Thread waiter = new Thread(delay::await);
    waiter.start();
    Thread.sleep(50);
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

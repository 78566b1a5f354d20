package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.durability.CommitDelay;
import io.rumsessions.processor.durability.FileStateLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopBatchTest {
  /** An event loop whose tasks run when the test says: after the reads it is "handling". */
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private final Executor loop = tasks::add;
  private final Admission admission = new Admission(4);
  private final LoopBatch batch = new LoopBatch(admission);

  private void loopDoneReading() {
    while (!tasks.isEmpty()) tasks.poll().run();
  }

  @Test
  void theRequestsOfOneReadCountAsOneOnItsWayUntilTheLoopIsDone() {
    AtomicInteger noneLeft = new AtomicInteger();
    admission.whenNoneOnTheirWay(noneLeft::incrementAndGet);
    batch.join(loop);
    batch.join(loop);
    batch.join(loop);
    assertThat(admission.onTheirWay()).isEqualTo(1);
    assertThat(tasks).hasSize(1);
    loopDoneReading();
    assertThat(admission.onTheirWay()).isZero();
    assertThat(noneLeft).hasValue(1);
    // The next read is a batch of its own.
    batch.join(loop);
    assertThat(admission.onTheirWay()).isEqualTo(1);
    assertThat(tasks).hasSize(1);
  }

  @Test
  void aLoopShuttingDownClosesTheBatchAtOnce() {
    batch.join(task -> {
      throw new RejectedExecutionException("shutting down");
    });
    assertThat(admission.onTheirWay()).isZero();
  }

  @Test
  void theRecordsOfRequestsReadTogetherShareOneFsync(@TempDir Path dir) throws Exception {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, true, b -> {})) {
      // As DurableState wires it, with a delay far longer than the test.
      CommitDelay delay = new CommitDelay(Duration.ofMinutes(5), admission::onTheirWay);
      admission.whenNoneOnTheirWay(delay::othersArrived);
      log.commitDelay(delay);
      // The loop reads three requests: the first's answer waits for an fsync (the log's sync
      // thread) while the other two are still being read.
      batch.join(loop);
      long first = log.append(new byte[] {1}, 1);
      Thread sync = new Thread(() -> {
        try {
          log.awaitDurable(first);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      sync.start();
      Thread.sleep(100);
      batch.join(loop);
      log.append(new byte[] {2}, 1);
      batch.join(loop);
      long third = log.append(new byte[] {3}, 1);
      assertThat(log.syncs()).as("no fsync while the loop is still reading").isZero();
      loopDoneReading();
      sync.join(10_000);
      assertThat(sync.isAlive()).isFalse();
      assertThat(log.syncs()).isEqualTo(1);
      assertThat(log.durablePosition()).isEqualTo(third);
    }
  }
}

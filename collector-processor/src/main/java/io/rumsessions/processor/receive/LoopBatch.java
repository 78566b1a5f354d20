package io.rumsessions.processor.receive;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The requests an HTTP event loop reads together (the sockets that were ready at once) count as
 * one more request on its way to the state log until the loop is done with them, so that the group
 * commit, which waits for requests on their way ({@code state.commit-delay}), covers them all with
 * one fsync. Without it the log's sync thread woke at the first small request's record and, on one
 * core, took the core from the loop to fsync that record with the few before it, while the rest of
 * the batch waited to be read: 5.5 records an fsync with 16 browsers' requests in flight, and the
 * loop preempted 8,000 times a second (bench/RESULTS.md, "Session 17"). One per event loop, used on
 * its thread only.
 */
final class LoopBatch {
  private final Admission admission;
  private final Runnable close = this::close;
  private boolean open;

  LoopBatch(Admission admission) {
    this.admission = admission;
  }

  /** A request read by {@code loop} goes to the log: the batch is open until the loop's reads are done. */
  void join(Executor loop) {
    if (open) return;
    open = true;
    admission.arriving();
    try {
      // A task given to the loop runs after the reads it is handling now.
      loop.execute(close);
    } catch (RejectedExecutionException shuttingDown) {
      close();
    }
  }

  private void close() {
    open = false;
    admission.arrived();
  }
}

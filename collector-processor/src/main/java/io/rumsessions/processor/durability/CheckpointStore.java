package io.rumsessions.processor.durability;

import java.io.IOException;

/**
 * Where the latest checkpoint is kept, whole or not at all: the file {@code state.dir/checkpoint}
 * in the embedded mode ({@link Checkpoints}), chunks in a changelogged store in the distributed
 * mode. Both hold the bytes {@link Checkpoints#encode} makes.
 */
public interface CheckpointStore {
  /** Done reading {@code c} when it returns: its session and span id pages are then written into again. */
  void write(Checkpoint c) throws IOException;

  /** The process is stopping: write the checkpoint in progress, and the next, at full speed. */
  default void hurry() {}

  /** The requests coming in: a store may pace its writing while they come. */
  default void paceAgainst(RequestTraffic traffic) {}

  /** The checkpoint, or null when there is none yet. */
  Checkpoint read() throws IOException;

  /** Where it is, for log lines. */
  String describe();
}

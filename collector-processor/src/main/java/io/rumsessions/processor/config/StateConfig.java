package io.rumsessions.processor.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the processor keeps on disk, and when it is made durable.
 *
 * @param dir the state log, checkpoints and visitor sketches
 * @param snapshotOnShutdown write a checkpoint on SIGTERM (so the next start replays nothing)
 * @param saltDir where the daily salts live; point several instances at one shared directory
 *     so they derive the same cookie-free ids
 * @param durability when a request's changes are on disk relative to its acknowledgement
 * @param fsyncInterval how often mode {@code interval} fsyncs the log
 * @param checkpointInterval how often a checkpoint is written (0: only by log size and at shutdown)
 * @param checkpointLogBytes a checkpoint is written once this much log has grown since the last
 * @param recentSpans span ids remembered to count a batch sent again once (0: none)
 * @param commitDelay mode {@code fsync}: how long an fsync may wait for requests still being
 *     decoded, so that it covers them too (0: never waits)
 * @param checkpointCpuShare the share of one core a checkpoint's writer may use on average (1:
 *     unpaced); a checkpoint at shutdown is never paced
 */
public record StateConfig(Path dir, boolean snapshotOnShutdown, Path saltDir, Durability durability,
    Duration fsyncInterval, Duration checkpointInterval, long checkpointLogBytes, int recentSpans,
    Duration commitDelay, double checkpointCpuShare) {

  /** {@code state.durability}. */
  public enum Durability {
    /** Acknowledge after the log is fsynced (group commit): survives kill -9 and power loss. */
    FSYNC,
    /** Acknowledge after the log is written; fsync every {@code state.fsync-interval}: survives kill -9. */
    INTERVAL,
    /** No log: state survives a clean shutdown and the last checkpoint only. */
    NONE
  }
}

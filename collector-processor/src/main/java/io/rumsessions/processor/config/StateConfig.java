package io.rumsessions.processor.config;

import java.nio.file.Path;

/**
 * What the processor keeps on disk.
 *
 * @param dir where active sessions are written on shutdown and read back at start
 * @param saltDir where the daily salts live; point several instances at one shared directory
 *     so they derive the same cookie-free ids
 */
public record StateConfig(Path dir, boolean snapshotOnShutdown, Path saltDir) {}

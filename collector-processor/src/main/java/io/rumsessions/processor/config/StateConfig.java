package io.rumsessions.processor.config;

import java.nio.file.Path;

/** Where active sessions are written on shutdown and read back at start. */
public record StateConfig(Path dir, boolean snapshotOnShutdown) {}

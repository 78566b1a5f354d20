package io.rumsessions.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program the test starts (the Collector, Prometheus), with stdout and stderr in a log file.
 * {@link #close()} stops it (SIGTERM, then SIGKILL after 10 s) and is safe to call twice.
 */
final class ExternalProcess implements AutoCloseable {
  final String name;
  final Path log;
  private final Process process;

  private ExternalProcess(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static ExternalProcess start(String name, Path workDir, Map<String, String> env, List<String> command)
      throws IOException {
    Path log = workDir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new ExternalProcess(name, log, p);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Fails with the log when the program has exited. */
  void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail(log, 60));
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) return;
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines of a log file, for failure messages. */
  static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) return "(no " + file + ")";
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  /** An executable from $ENV, or the PATH, or /usr/bin. A missing one is a failure, never a skip. */
  static Path find(String env, String name, String howToInstall) {
    String override = System.getenv(env);
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (Files.isExecutable(p)) return p;
      throw new AssertionError("$" + env + " = " + override + " is not executable");
    }
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) return p;
    }
    throw new AssertionError(name + " not found on the PATH (nor $" + env + "): " + howToInstall);
  }
}

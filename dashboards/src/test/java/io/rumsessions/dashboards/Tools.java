package io.rumsessions.dashboards;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds and runs the Prometheus binaries. A missing binary is a failure, never a skip. */
final class Tools {
  private Tools() {}

  /** promtool, from $PROMTOOL or the PATH. */
  static Path promtool() {
    return find("PROMTOOL", "promtool");
  }

  /** prometheus, from $PROMETHEUS or the PATH. */
  static Path prometheus() {
    return find("PROMETHEUS", "prometheus");
  }

  private static Path find(String env, String name) {
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
    throw new AssertionError(name + " not found on the PATH (nor $" + env + "): "
        + "install the Debian package with `apt-get install -y prometheus`");
  }

  /** The outcome of a finished command. */
  record Result(int exitCode, String output) {}

  /** Runs a command to its end (stdout and stderr together), within the time limit. */
  static Result run(Path workDir, long timeoutSeconds, String... command) {
    List<String> cmd = new ArrayList<>(List.of(command));
    try {
      Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}

package io.rumsessions.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External commands the harness uses: taskset, jcmd, the Collector's build script, lscpu. */
final class Tools {
  private static Boolean taskset;

  private Tools() {}

  static synchronized boolean hasTaskset() {
    if (taskset == null) {
      try {
        taskset = run(List.of("taskset", "-c", "0", "true"), 10).exit == 0;
      } catch (IOException e) {
        taskset = false;
      }
    }
    return taskset;
  }

  record Result(int exit, String stdout) {}

  static Result run(List<String> cmd, int timeoutSeconds) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }

  static String jcmd() {
    Path own = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return Files.isExecutable(own) ? own.toString() : "jcmd";
  }

  /**
   * Live heap bytes after a full GC: {@code jcmd PID GC.class_histogram} (which collects first),
   * its "Total" line.
   */
  static long liveHeapBytes(long pid) throws IOException {
    Result r = run(List.of(jcmd(), Long.toString(pid), "GC.class_histogram"), 600);
    if (r.exit != 0) throw new IOException("jcmd GC.class_histogram failed: " + r.stdout);
    for (String line : r.stdout.split("\n")) {
      if (line.startsWith("Total")) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[2]);
      }
    }
    throw new IOException("no Total line in the class histogram");
  }

  /** e2e/collector/build.sh: builds or reuses the Collector; its last stdout line is the binary. */
  static Path buildCollector(Path repoRoot) throws IOException {
    Path script = repoRoot.resolve("e2e/collector/build.sh");
    Result r = run(List.of("bash", script.toString()), 3600);
    String[] lines = r.stdout.trim().split("\n");
    if (r.exit != 0 || lines.length == 0 || lines[lines.length - 1].isBlank()) {
      throw new IOException(script + " failed (exit " + r.exit + "): " + r.stdout);
    }
    Path bin = Path.of(lines[lines.length - 1].trim());
    if (!Files.isExecutable(bin)) throw new IOException(script + " printed " + bin + ", which is not an executable");
    return bin;
  }

  static String firstLine(List<String> cmd) {
    try {
      String s = run(cmd, 30).stdout.trim();
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  static String cpuModel() {
    try {
      for (String line : run(List.of("lscpu"), 30).stdout.split("\n")) {
        if (line.startsWith("Model name:")) return line.substring(11).trim();
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown";
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  static List<String> split(String s) {
    List<String> out = new ArrayList<>();
    if (s == null) return out;
    for (String x : s.trim().split("\\s+")) if (!x.isEmpty()) out.add(x);
    return out;
  }
}

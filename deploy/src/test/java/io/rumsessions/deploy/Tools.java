package io.rumsessions.deploy;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the build's tools (helm, the validator, promtool, tar) and waits for HTTP endpoints. */
final class Tools {
  static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final Path CHART = DEPLOY.resolve("helm/rum-sessions");
  static final Path DIST = Path.of(System.getProperty("dist.dir", "target/dist")).toAbsolutePath();

  record Result(int exit, String out, String err) {
    Result ok(String what) {
      if (exit != 0) throw new AssertionError(what + " exited " + exit + "\nstdout:\n" + tail(out) + "\nstderr:\n" + tail(err));
      return this;
    }

    private static String tail(String s) {
      return s.length() > 8000 ? "…" + s.substring(s.length() - 8000) : s;
    }
  }

  private Tools() {}

  static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
    return run(command, timeout, null, null);
  }

  static Result run(List<String> command, Duration timeout, Map<String, String> env, byte[] stdin)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("deploy-out", ".txt");
    Path err = Files.createTempFile("deploy-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (env != null) {
        pb.environment().clear();
        pb.environment().putAll(env);
      }
      if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          in.write(stdin);
        }
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
            + "\nstderr:\n" + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Runs a build script of deploy/tools (cached builds) and returns the path it prints last. */
  static Path tool(String script) throws IOException, InterruptedException {
    Result r = run(List.of("bash", DEPLOY.resolve("tools").resolve(script).toString()), Duration.ofMinutes(20)).ok(script);
    String[] lines = r.out().strip().split("\n");
    Path bin = Path.of(lines[lines.length - 1]);
    if (!Files.isExecutable(bin)) throw new AssertionError(script + " printed " + bin + ", which is not executable");
    return bin;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** HTTP status of a GET, or -1 when nothing answers. */
  static int status(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(3000);
      int code = c.getResponseCode();
      c.getInputStream().readAllBytes();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  static int awaitStatus(String url, Duration timeout, Process process) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    int code = -1;
    while (System.nanoTime() < end) {
      code = status(url);
      if (code == 200) return code;
      if (process != null && !process.isAlive()) throw new AssertionError("the process ended (exit " + process.exitValue() + ") before " + url + " answered");
      Thread.sleep(200);
    }
    return code;
  }

  static List<String> list(String... parts) {
    return new ArrayList<>(List.of(parts));
  }
}

package io.rumsessions.processor.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The processor as a separate JVM, started the way the launcher starts it, so it can get a real SIGTERM. */
public final class ProcessorProcess implements AutoCloseable {
  public final int httpPort;
  public final int grpcPort;
  public final int metricsPort;
  private final Process process;
  private final Path log;

  private ProcessorProcess(Process process, Path log, int httpPort, int grpcPort, int metricsPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
  }

  /**
   * Three free ports, distinct: each is held open until all are chosen, since a port closed again
   * may be the very next one the kernel hands out.
   */
  private static int[] freePorts() throws IOException {
    try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0); ServerSocket c = new ServerSocket(0)) {
      return new int[] {a.getLocalPort(), b.getLocalPort(), c.getLocalPort()};
    }
  }

  public static ProcessorProcess start(Path log, String... flags) throws Exception {
    return start(log, List.of(), flags);
  }

  /** @param jvmOptions e.g. {@code -Xmx96m}, before the main class */
  public static ProcessorProcess start(Path log, List<String> jvmOptions, String... flags) throws Exception {
    int[] ports = freePorts();
    int http = ports[0];
    int grpc = ports[1];
    int metrics = ports[2];
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of(
        "-cp", System.getProperty("java.class.path"),
        "io.rumsessions.processor.RumSessionsMain",
        "--otlp-http-port", Integer.toString(http),
        "--otlp-grpc-port", Integer.toString(grpc),
        "--metrics-port", Integer.toString(metrics),
        "--set", "receiver.host=127.0.0.1", "--set", "metrics.host=127.0.0.1"));
    cmd.addAll(List.of(flags));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ProcessorProcess pp = new ProcessorProcess(p, log, http, grpc, metrics);
    pp.awaitUp();
    return pp;
  }

  private void awaitUp() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("processor exited with " + process.exitValue() + "; its output:\n"
            + java.nio.file.Files.readString(log));
      }
      try {
        c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
            HttpResponse.BodyHandlers.discarding());
        // metrics answer first; the OTLP receivers start right after
        Thread.sleep(200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("processor did not start within 60 s");
  }

  /** Sends SIGTERM (what systemd, Kubernetes and Ctrl-C send) and waits for a clean exit. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("processor did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGKILL (a crash, an OOM kill) and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("processor did not die within 30 s of SIGKILL");
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

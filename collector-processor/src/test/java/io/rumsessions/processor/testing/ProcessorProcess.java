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

  private ProcessorProcess(Process process, int httpPort, int grpcPort, int metricsPort) {
    this.process = process;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public static ProcessorProcess start(Path log, String... flags) throws Exception {
    int http = freePort();
    int grpc = freePort();
    int metrics = freePort();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "io.rumsessions.processor.RumSessionsMain",
        "--otlp-http-port", Integer.toString(http),
        "--otlp-grpc-port", Integer.toString(grpc),
        "--metrics-port", Integer.toString(metrics),
        "--set", "receiver.host=127.0.0.1", "--set", "metrics.host=127.0.0.1"));
    cmd.addAll(List.of(flags));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ProcessorProcess pp = new ProcessorProcess(p, http, grpc, metrics);
    pp.awaitUp();
    return pp;
  }

  private void awaitUp() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("processor exited with " + process.exitValue());
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

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

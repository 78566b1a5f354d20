package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.RumSessionsProcessor;
import io.rumsessions.processor.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The scale-out stack the end-to-end tests share: the Collector built with ocb
 * ({@code e2e/collector/build.sh}) running the shipped example
 * ({@code collector-processor/examples/collector-loadbalancing.yaml}, unchanged, only its
 * {@code ${env:…}} values set), two {@link RumSessionsProcessor}s in the test JVM behind its
 * {@code load_balancing} exporter, and a Prometheus (Debian package) scraping both processors and
 * the Collector's own metrics every second. Everything listens on free loopback ports; logs go to
 * the test's temp dir. {@link #close()} stops it all, newest first, and prints the logs' tails.
 */
final class E2eStack implements AutoCloseable {
  final Path dir;
  final Path repo;
  final Path exampleConfig;
  final List<RumSessionsProcessor> processors = new ArrayList<>();
  /** Started programs, newest first (stopped in that order). */
  final List<ExternalProcess> programs = new ArrayList<>();
  ExternalProcess collector;
  List<String> collectorCommand;
  ExternalProcess prometheus;
  PrometheusApi prom;
  int collectorGrpcPort;
  int collectorHttpPort;
  int collectorTelemetryPort;

  E2eStack(Path dir) {
    this.dir = dir;
    this.repo = repoRoot();
    this.exampleConfig = repo.resolve("collector-processor/examples/collector-loadbalancing.yaml");
    assertThat(exampleConfig).as("the Collector config the README ships").isRegularFile();
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("rum.repo.root", "..")).toAbsolutePath().normalize();
  }

  /**
   * Builds (or finds in the cache) the Collector, starts two processors with the common settings
   * plus {@code processorSettings}, the Collector with {@code corsOrigin} allowed, and Prometheus;
   * returns once all of them listen.
   */
  E2eStack start(Map<String, String> processorSettings, String corsOrigin) throws Exception {
    Path promBinary = ExternalProcess.find("PROMETHEUS", "prometheus",
        "install the Debian package with `apt-get install -y prometheus`");
    Path collectorBinary = buildCollector();
    for (int i = 1; i <= 2; i++) processors.add(startProcessor(i, processorSettings));

    int[] ports = freePorts(3);
    collectorGrpcPort = ports[0];
    collectorHttpPort = ports[1];
    collectorTelemetryPort = ports[2];
    Map<String, String> env = Map.of(
        "RUM_PROCESSOR_1", "127.0.0.1:" + processors.get(0).grpcPort(),
        "RUM_PROCESSOR_2", "127.0.0.1:" + processors.get(1).grpcPort(),
        "RUM_COLLECTOR_GRPC_ENDPOINT", "127.0.0.1:" + collectorGrpcPort,
        "RUM_COLLECTOR_HTTP_ENDPOINT", "127.0.0.1:" + collectorHttpPort,
        "RUM_CORS_ORIGIN", corsOrigin,
        "RUM_COLLECTOR_TELEMETRY_HOST", "127.0.0.1",
        "RUM_COLLECTOR_TELEMETRY_PORT", Integer.toString(collectorTelemetryPort));
    collectorCommand = List.of(collectorBinary.toString(), "--config=" + exampleConfig);
    collector = started("collector", env, collectorCommand);
    waitFor("the Collector to listen on " + collectorHttpPort + ", " + collectorGrpcPort + " and " + collectorTelemetryPort,
        Duration.ofSeconds(30), () -> {
          collector.assertAlive();
          return listening(collectorHttpPort) && listening(collectorGrpcPort) && listening(collectorTelemetryPort);
        });

    startPrometheus(promBinary, List.of(processors.get(0).metricsPort(), processors.get(1).metricsPort()));
    return this;
  }

  /**
   * Prometheus on a free loopback port, scraping every second the processors' {@code /metrics}
   * ports (job {@code rum-sessions}) and the Collector's own metrics (job {@code otelcol}, at
   * {@link #collectorTelemetryPort}); returns once it is ready.
   */
  void startPrometheus(Path promBinary, List<Integer> processorMetricsPorts) throws Exception {
    int promPort = freePort();
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(promConfig, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: rum-sessions",
        "    static_configs:",
        "      - targets: [" + String.join(", ", processorMetricsPorts.stream().map(p -> "'127.0.0.1:" + p + "'").toList()) + "]",
        "  - job_name: otelcol",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + collectorTelemetryPort + "']",
        ""));
    prometheus = started("prometheus", Map.of(), List.of(promBinary.toString(),
        "--config.file=" + promConfig,
        "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
        "--web.listen-address=127.0.0.1:" + promPort));
    prom = new PrometheusApi(promPort);
    waitFor("Prometheus to be ready", Duration.ofSeconds(30), () -> {
      prometheus.assertAlive();
      return prom.ready();
    });
  }

  /** Runs {@code e2e/collector/build.sh}: the cached binary, or a new build (minutes when cold). */
  Path buildCollector() throws Exception {
    Path script = repo.resolve("e2e/collector/build.sh");
    Path log = dir.resolve("collector-build.log");
    Process p = new ProcessBuilder("bash", script.toString()).directory(dir.toFile())
        .redirectError(log.toFile()).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(35, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("build.sh did not finish in 35 min:\n" + ExternalProcess.tail(log, 40));
    }
    System.out.println("---- e2e/collector/build.sh ----\n" + ExternalProcess.tail(log, 10));
    if (p.exitValue() != 0) {
      throw new AssertionError("e2e/collector/build.sh failed (exit " + p.exitValue() + "):\n"
          + ExternalProcess.tail(log, 60));
    }
    String[] lines = out.split("\n");
    Path binary = Path.of(lines[lines.length - 1]);
    assertThat(binary).as("the binary build.sh printed").isExecutable();
    return binary;
  }

  /** A processor on free loopback ports: the common test settings, then {@code settings}. */
  RumSessionsProcessor startProcessor(int n, Map<String, String> settings) throws IOException {
    Path state = Files.createDirectories(dir.resolve("processor-" + n));
    Map<String, String> o = new LinkedHashMap<>();
    o.put("receiver.host", "127.0.0.1");
    o.put("receiver.grpc-port", "0");
    o.put("receiver.http-port", "0");
    o.put("metrics.host", "127.0.0.1");
    o.put("metrics.port", "0");
    o.put("session.allowed-lateness", "1s");
    o.put("session.sweep-interval", "500ms");
    o.put("state.dir", state.toString());
    o.put("state.snapshot-on-shutdown", "false");
    o.putAll(settings);
    return new RumSessionsProcessor(ConfigLoader.load(null, o), InstantSource.system()).start();
  }

  /** Starts a program with its log in the temp dir; {@link #close()} stops it. */
  ExternalProcess started(String name, Map<String, String> env, List<String> command) throws IOException {
    ExternalProcess p = ExternalProcess.start(name, dir, env, command);
    programs.add(0, p);
    return p;
  }

  URI collectorUri(String path) {
    return URI.create("http://127.0.0.1:" + collectorHttpPort + path);
  }

  /** Polls every 250 ms; on timeout fails with what Prometheus holds and every program's log tail. */
  void waitFor(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder msg = new StringBuilder("timed out after " + limit.toSeconds() + " s waiting for " + what);
        if (prom != null) {
          msg.append("\nPrometheus: started=").append(prom.vector("sum by (instance) (rum_sessions_started_total)"))
              .append(" ended=").append(prom.vector("sum by (instance) (rum_sessions_ended_total)"))
              .append(" active=").append(prom.vector("rum_sessions_active"))
              .append(" spans=").append(prom.vector("sum by (instance, outcome) (rum_spans_received_total)"))
              .append(" up=").append(prom.vector("up"));
        }
        for (ExternalProcess p : programs) {
          msg.append("\n---- ").append(p.name).append(" ----\n").append(ExternalProcess.tail(p.log, 30));
        }
        throw new AssertionError(msg.toString());
      }
      Thread.sleep(250);
    }
  }

  @Override
  public void close() {
    for (ExternalProcess p : programs) {
      p.close();
      System.out.println("---- " + p.name + " log (last lines) ----\n" + ExternalProcess.tail(p.log, 25));
    }
    for (RumSessionsProcessor p : processors) p.close();
  }

  /**
   * {@code n} free loopback ports, distinct: each is held open until all are chosen, since a port
   * closed again may be the very next one the kernel hands out.
   */
  static int[] freePorts(int n) throws IOException {
    ServerSocket[] held = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = held[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) if (s != null) s.close();
    }
  }

  static int freePort() throws IOException {
    return freePorts(1)[0];
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

package io.rumsessions.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server under test as its own process, optionally pinned with {@code taskset}: the
 * rum-sessions processor (shaded jar) or the OpenTelemetry Collector. CPU time is read from
 * {@code /proc/<pid>/stat} (utime + stime of all its threads); accepted spans from its own
 * metrics endpoint.
 */
public abstract class ServerProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final long CLK_TCK = clockTicks();

  public final String name;
  public final int grpcPort;
  public final int httpPort;
  protected final int metricsPort;
  protected final Process process;
  protected final Path log;

  protected ServerProcess(String name, Process process, int grpcPort, int httpPort, int metricsPort, Path log) {
    this.name = name;
    this.process = process;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
    this.metricsPort = metricsPort;
    this.log = log;
  }

  public long pid() {
    return process.pid();
  }

  /** Spans the server says it took in (every outcome that is not a refusal). */
  public abstract long receivedSpans() throws IOException, InterruptedException;

  /** Spans the server refused or dropped (rejected outcomes, refused, overloaded requests' spans if known). */
  public abstract long refusedSpans() throws IOException, InterruptedException;

  /** User + system CPU seconds the process has used so far. */
  public double cpuSeconds() throws IOException {
    return cpuSecondsOf(process.pid());
  }

  /** User + system CPU seconds of any process (all its threads), from /proc/PID/stat. */
  static double cpuSecondsOf(long pid) throws IOException {
    String[] f = statFields(pid);
    // utime and stime: fields 14 and 15 of proc(5)
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK;
  }

  /** The fields of /proc/PID/stat after "pid (comm) " (the name may hold spaces): state is [0]. */
  private static String[] statFields(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** Resident set size in bytes. */
  public long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
    return -1;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /**
   * Stops the process (SIGSTOP) while another server is measured. The servers share the pinned
   * core, and an idle server's own timers ran in the other's windows: the Collector used ~40 ms of
   * CPU 15 s after its load ended, which fell ~2 s into each of the processor's latency windows
   * (their lead-in starts 12 s after the Collector's last window). {@link #resume()} continues it.
   */
  public void pause() throws IOException, InterruptedException {
    signal(process.pid(), "STOP");
  }

  public void resume() throws IOException, InterruptedException {
    signal(process.pid(), "CONT");
  }

  static void signal(long pid, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
    String out = new String(kill.getInputStream().readAllBytes());
    if (kill.waitFor() != 0) throw new IOException("kill -" + signal + " " + pid + " failed: " + out.trim());
  }

  /** The process state letter of proc(5) (R, S, T for stopped, …). */
  static char stateOf(long pid) throws IOException {
    return statFields(pid)[0].charAt(0);
  }

  public String scrape() throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Sums the samples of {@code metric} whose label text contains every one of {@code labels}. */
  public static double sum(String exposition, String metric, String... labels) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      if (!line.startsWith(metric)) continue;
      int rest = metric.length();
      if (line.length() <= rest || (line.charAt(rest) != '{' && line.charAt(rest) != ' ')) continue;
      int close = line.charAt(rest) == '{' ? line.indexOf('}', rest) : rest;
      String labelText = line.substring(rest, close + 1);
      boolean all = true;
      for (String l : labels) all &= labelText.contains(l);
      if (!all) continue;
      String[] parts = line.substring(close + 1).trim().split(" ");
      total += Double.parseDouble(parts[0]);
    }
    return total;
  }

  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      // A stopped process would hold the termination signal until continued.
      if (process.isAlive()) resume();
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Distinct free ports for one server: each socket stays open until all are chosen, since a port
   * just closed can be the next one the kernel hands out, and two receivers given the same port
   * made a processor exit at start (after one of them had answered the listening check).
   */
  static int[] freePorts(int n) throws IOException {
    ServerSocket[] held = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0);
        ports[i] = held[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : held) {
        if (socket != null) socket.close();
      }
    }
  }

  /** taskset -c CPUS prefix, or nothing when no CPU list is given or taskset is missing. */
  static List<String> pin(String cpus) {
    if (cpus == null || cpus.isEmpty() || !Tools.hasTaskset()) return List.of();
    return List.of("taskset", "-c", cpus);
  }

  protected static Process launch(List<String> cmd, Map<String, String> env, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Returns once every port accepts connections; stops the process if it never does. */
  protected void awaitListening(Duration timeout, int... ports) throws Exception {
    try {
      awaitPorts(timeout, ports);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private void awaitPorts(Duration timeout, int... ports) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int port : ports) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail(30));
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 500);
          break;
        } catch (IOException notYet) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(name + " did not listen on " + port + " within " + timeout + ":\n" + logTail(30));
          }
          Thread.sleep(100);
        }
      }
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
      }
    } catch (IOException | NumberFormatException e) {
      return 100;
    }
  }

  // ---- the two servers ----

  /** The rum-sessions processor: {@code java -Xmx… -jar rum-sessions-collector-processor-all.jar}. */
  public static final class Processor extends ServerProcess {
    private Processor(Process p, int grpc, int http, int metrics, Path log) {
      super("rum-sessions", p, grpc, http, metrics, log);
    }

    private Path stateDir;
    private List<String> restartWith;

    public static Processor start(Path jar, String cpus, String xmx, List<String> jvmArgs, List<String> args, Path workDir) throws Exception {
      return start(jar, cpus, xmx, jvmArgs, args, workDir, Files.createTempDirectory(workDir, "processor-state"), true);
    }

    /**
     * A member of the distributed mode ({@code args} hold {@code --kafka-bootstrap}): it takes no
     * OTLP, so only its metrics port is waited for.
     */
    public static Processor startDistributed(Path jar, String cpus, String xmx, List<String> jvmArgs, List<String> args,
        Path workDir) throws Exception {
      return start(jar, cpus, xmx, jvmArgs, args, workDir, Files.createTempDirectory(workDir, "processor-state"), false);
    }

    /**
     * Kills this processor with SIGKILL and starts another on the same state directory (new
     * ports); returns once it listens, that is once it has recovered.
     */
    public Processor crashAndRestart(Path jar, String cpus, String xmx, List<String> jvmArgs, Path workDir) throws Exception {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      return start(jar, cpus, xmx, jvmArgs, restartWith, workDir, stateDir, true);
    }

    private static Processor start(Path jar, String cpus, String xmx, List<String> jvmArgs, List<String> args, Path workDir,
        Path state, boolean otlp) throws Exception {
      int[] ports = freePorts(3);
      int grpc = ports[0];
      int http = ports[1];
      int metrics = ports[2];
      List<String> cmd = new ArrayList<>(pin(cpus));
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx" + xmx);
      cmd.addAll(jvmArgs);
      cmd.addAll(List.of("-jar", jar.toString(),
          "--otlp-grpc-port", Integer.toString(grpc), "--otlp-http-port", Integer.toString(http),
          "--metrics-port", Integer.toString(metrics),
          "--set", "receiver.host=127.0.0.1", "--set", "metrics.host=127.0.0.1",
          "--state-dir", state.toString(), "--set", "state.snapshot-on-shutdown=false"));
      cmd.addAll(args);
      Path log = workDir.resolve("processor-" + metrics + ".log");
      Processor p = new Processor(launch(cmd, Map.of(), log), grpc, http, metrics, log);
      p.stateDir = state;
      p.restartWith = List.copyOf(args);
      if (otlp) p.awaitListening(Duration.ofSeconds(120), metrics, grpc, http);
      else p.awaitListening(Duration.ofSeconds(120), metrics);
      return p;
    }

    @Override
    public long receivedSpans() throws IOException, InterruptedException {
      String m = scrape();
      return (long) (sum(m, "rum_spans_received_total", "outcome=\"accepted\"")
          + sum(m, "rum_spans_received_total", "outcome=\"bot\"")
          + sum(m, "rum_spans_received_total", "outcome=\"late\""));
    }

    @Override
    public long refusedSpans() throws IOException, InterruptedException {
      String m = scrape();
      return (long) (sum(m, "rum_spans_received_total", "outcome=\"invalid\"")
          + sum(m, "rum_spans_received_total", "outcome=\"invalid_timestamp\"")
          + sum(m, "rum_spans_received_total", "outcome=\"session_limit\""));
    }

    public long overloadedRequests() throws IOException, InterruptedException {
      return (long) sum(scrape(), "rum_receiver_requests_total", "outcome=\"overloaded\"");
    }

    public long activeSessions() throws IOException, InterruptedException {
      return (long) sum(scrape(), "rum_sessions_active");
    }

    public long evictedSessions() throws IOException, InterruptedException {
      return (long) sum(scrape(), "rum_sessions_evicted_total");
    }
  }

  /** The OpenTelemetry Collector: otlp receiver → spanmetrics connector → prometheus exporter. */
  public static final class Collector extends ServerProcess {
    private Collector(Process p, int grpc, int http, int metrics, Path log) {
      super("otelcol", p, grpc, http, metrics, log);
    }

    public static Collector start(Path binary, Path config, String cpus, String memoryLimit, Path workDir) throws Exception {
      int[] ports = freePorts(4);
      int grpc = ports[0];
      int http = ports[1];
      int telemetry = ports[2];
      int prometheus = ports[3];
      List<String> cmd = new ArrayList<>(pin(cpus));
      cmd.addAll(List.of(binary.toString(), "--config=" + config));
      Path log = workDir.resolve("collector-" + telemetry + ".log");
      Map<String, String> env = Map.of(
          "BENCH_GRPC_ENDPOINT", "127.0.0.1:" + grpc,
          "BENCH_HTTP_ENDPOINT", "127.0.0.1:" + http,
          "BENCH_PROMETHEUS_ENDPOINT", "127.0.0.1:" + prometheus,
          "BENCH_TELEMETRY_PORT", Integer.toString(telemetry),
          // The Go counterpart of -Xmx: a soft heap limit of the same size.
          "GOMEMLIMIT", goBytes(memoryLimit));
      Collector c = new Collector(launch(cmd, env, log), grpc, http, telemetry, log);
      c.awaitListening(Duration.ofSeconds(60), telemetry, grpc, http);
      return c;
    }

    @Override
    public long receivedSpans() throws IOException, InterruptedException {
      String m = scrape();
      return (long) (sum(m, "otelcol_receiver_accepted_spans") + sum(m, "otelcol_receiver_accepted_spans_total"));
    }

    @Override
    public long refusedSpans() throws IOException, InterruptedException {
      String m = scrape();
      return (long) (sum(m, "otelcol_receiver_refused_spans") + sum(m, "otelcol_receiver_refused_spans_total")
          + sum(m, "otelcol_receiver_failed_spans") + sum(m, "otelcol_receiver_failed_spans_total"));
    }

    /** "1g" → "1GiB", "512m" → "512MiB" (GOMEMLIMIT syntax). */
    static String goBytes(String xmx) {
      String s = xmx.trim().toLowerCase();
      char unit = s.charAt(s.length() - 1);
      String n = Character.isDigit(unit) ? s : s.substring(0, s.length() - 1);
      return switch (unit) {
        case 'g' -> n + "GiB";
        case 'm' -> n + "MiB";
        case 'k' -> n + "KiB";
        default -> n;
      };
    }
  }
}

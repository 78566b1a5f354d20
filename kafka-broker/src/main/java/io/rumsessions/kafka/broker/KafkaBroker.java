package io.rumsessions.kafka.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Apache Kafka broker in KRaft combined mode ({@code process.roles=broker,controller}),
 * run as a child JVM from the Maven artifacts: {@code kafka.tools.StorageTool format --standalone}
 * on a fresh directory, then {@code kafka.Kafka server.properties}. Listens on loopback; every
 * internal topic has one partition and replication factor 1, sized for a 2-core test machine.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start(tempDir)) {
 *   props.put("bootstrap.servers", broker.bootstrap());
 *   ...
 *   broker.kill9();     // SIGKILL, as a crash
 *   broker.restart();   // same directory, ports and cluster id; the data is read back
 * }
 * }</pre>
 *
 * <p>The broker's class path is {@code broker.classpath} next to this class, which
 * {@code mvn package} (or any phase from {@code generate-resources}) of this module writes with
 * the dependency plugin's {@code build-classpath}: absolute paths into the local Maven repository.
 * The system property {@value #CLASSPATH_PROPERTY} overrides it. The broker's output (log4j 2,
 * INFO) goes to {@link #log()}.
 */
public final class KafkaBroker implements AutoCloseable {
  /** Overrides the broker JVM's class path (a path list, as {@code -cp} takes). */
  public static final String CLASSPATH_PROPERTY = "rum.kafka.classpath";
  /** Seconds {@link #start} waits for the broker to answer an Admin client. */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  /** A small heap: a test broker holds little. */
  static final List<String> JVM_OPTIONS = List.of(
      "-Xms64m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true");

  private final Path dir;
  private final String host;
  private final int port;
  private final int controllerPort;
  private final Path properties;
  private final Path log;
  private Process process;
  private Duration lastStartTime;

  /** Brokers still running when the test JVM exits (a failed test, a timeout) are killed with it. */
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kafka-broker-reaper"));
  }

  private KafkaBroker(Path dir, String host, int port, int controllerPort) {
    this.dir = dir;
    this.host = host;
    this.port = port;
    this.controllerPort = controllerPort;
    this.properties = dir.resolve("server.properties");
    this.log = dir.resolve("broker.log");
  }

  /** Starts a broker with its data in {@code dir} (created and formatted if new) on free loopback ports. */
  public static KafkaBroker start(Path dir) throws IOException, InterruptedException {
    return start(dir, Map.of());
  }

  /**
   * Starts a broker with its data in {@code dir} on free loopback ports; {@code overrides} are
   * {@code server.properties} entries that replace or add to the defaults of {@link #serverProperties}.
   * Returns once an Admin client has described the cluster.
   */
  public static KafkaBroker start(Path dir, Map<String, String> overrides) throws IOException, InterruptedException {
    int[] ports = freePorts(2);
    KafkaBroker broker = new KafkaBroker(dir.toAbsolutePath(), "127.0.0.1", ports[0], ports[1]);
    broker.prepare(overrides);
    broker.launch();
    return broker;
  }

  /**
   * A broker for {@code bin/kafka-dev}: writes its config and formats {@code dir} if it is new,
   * starts nothing. {@link #command()} is the command that runs it.
   */
  static KafkaBroker prepared(Path dir, String host, int port, int controllerPort, Map<String, String> overrides)
      throws IOException, InterruptedException {
    KafkaBroker broker = new KafkaBroker(dir.toAbsolutePath(), host, port, controllerPort);
    broker.prepare(overrides);
    return broker;
  }

  /** {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
  public String bootstrap() {
    return host + ":" + port;
  }

  public int port() {
    return port;
  }

  /** The directory holding {@code server.properties}, the log and {@code data/} (the log dir). */
  public Path dir() {
    return dir;
  }

  /** The broker JVM's stdout and stderr; a restart appends. */
  public Path log() {
    return log;
  }

  /** How long the last (re)start took, from launching the JVM until an Admin client described the cluster. */
  public Duration lastStartTime() {
    return lastStartTime;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL, as a crash or an OOM kill does, and waits until the process is gone. No shutdown runs. */
  public void kill9() throws InterruptedException {
    if (process == null) return;
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the broker did not die within 30 s of SIGKILL");
    }
  }

  /** SIGTERM (a controlled shutdown), then SIGKILL after 30 s. Safe to call twice. */
  public void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) return;
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Starts the broker again after {@link #kill9()} or {@link #stop()}: the same directory, ports
   * and cluster id, no new format. Returns once it answers an Admin client again.
   */
  public KafkaBroker restart() throws IOException, InterruptedException {
    if (isAlive()) throw new IllegalStateException("the broker is running; kill9() or stop() it first");
    launch();
    return this;
  }

  /** Stops the broker (SIGTERM, then SIGKILL); the directory stays. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      if (process != null) process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The broker's settings: combined mode on {@code host}, one partition and replication factor
   * 1 for every topic Kafka creates itself (offsets, transactions, share groups), no initial
   * rebalance delay, few threads.
   */
  static Map<String, String> serverProperties(Path dataDir, String host, int port, int controllerPort) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.bootstrap.servers", host + ":" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.put("log.dirs", dataDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("share.coordinator.state.topic.num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // After a SIGKILL the restarted broker cannot register until the controller expires the dead
    // one's session (9 s by default): 3 s keeps a restart short.
    p.put("broker.session.timeout.ms", "3000");
    p.put("broker.heartbeat.interval.ms", "500");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.put("log.cleaner.threads", "1");
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
    return p;
  }

  /** The command that runs the broker; {@code bin/kafka-dev} execs it. */
  List<String> command() {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
    cmd.add("-Dkafka.logs.dir=" + dir);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("kafka.Kafka");
    cmd.add(properties.toString());
    return cmd;
  }

  private void prepare(Map<String, String> overrides) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path data = dir.resolve("data");
    Map<String, String> settings = serverProperties(data, host, port, controllerPort);
    settings.putAll(overrides);
    Properties p = new Properties();
    p.putAll(settings);
    try (Writer w = Files.newBufferedWriter(properties, StandardCharsets.UTF_8)) {
      p.store(w, "rum-sessions KafkaBroker: single-node KRaft, combined mode");
    }
    try (InputStream in = KafkaBroker.class.getResourceAsStream("log4j2.properties")) {
      if (in == null) throw new IllegalStateException("log4j2.properties missing next to KafkaBroker");
      Files.write(dir.resolve("log4j2.properties"), in.readAllBytes());
    }
    if (!Files.exists(data.resolve("meta.properties"))) format();
  }

  /** {@code kafka-storage format --standalone}: a new cluster id, this node the single voter. */
  private void format() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m",
        "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"), "-cp", classPath(),
        "kafka.tools.StorageTool", "format", "--standalone",
        "--cluster-id", Uuid.randomUuid().toString(), "--config", properties.toString()));
    Path formatLog = dir.resolve("format.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(formatLog.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("kafka-storage format did not finish in 60 s:\n" + tail(formatLog, 30));
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("kafka-storage format failed (exit " + p.exitValue() + "):\n" + tail(formatLog, 30));
    }
  }

  private void launch() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    process = new ProcessBuilder(command()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    process.getOutputStream().close();
    Process started = process;
    RUNNING.add(started);
    started.onExit().thenRun(() -> RUNNING.remove(started));
    try {
      awaitReady();
    } catch (RuntimeException | InterruptedException e) {
      process.destroyForcibly();
      throw e;
    }
    lastStartTime = Duration.ofNanos(System.nanoTime() - t0);
  }

  /** Waits for the listener, then for an Admin client to see this node in the cluster. */
  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!listening(host, port)) {
      checkAlive(deadline);
      Thread.sleep(100);
    }
    Map<String, Object> conf = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(conf)) {
      while (true) {
        checkAlive(deadline);
        try {
          Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
              .nodes().get(6, TimeUnit.SECONDS);
          if (!nodes.isEmpty()) return;
        } catch (ExecutionException | TimeoutException notYet) {
          // the broker is still catching up with its metadata log
        }
        Thread.sleep(100);
      }
    }
  }

  private void checkAlive(long deadline) {
    if (!process.isAlive()) {
      throw new IllegalStateException("the broker exited with " + process.exitValue() + ":\n" + tail(log, 60));
    }
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("the broker did not answer an Admin client within "
          + READY_TIMEOUT.toSeconds() + " s:\n" + tail(log, 60));
    }
  }

  /** The broker JVM's class path: {@value #CLASSPATH_PROPERTY}, else {@code broker.classpath} next to this class. */
  static String classPath() {
    String override = System.getProperty(CLASSPATH_PROPERTY);
    if (override != null && !override.isBlank()) return override;
    try (InputStream in = KafkaBroker.class.getResourceAsStream("broker.classpath")) {
      if (in == null) {
        throw new IllegalStateException("broker.classpath is missing next to " + KafkaBroker.class.getName()
            + ": build the module (mvn -pl kafka-broker package) or set -D" + CLASSPATH_PROPERTY);
      }
      String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      for (String entry : cp.split(java.io.File.pathSeparator)) {
        if (!Files.exists(Path.of(entry))) {
          throw new IllegalStateException("the broker's class path names " + entry + ", which is gone from the local"
              + " Maven repository: rebuild kafka-broker (mvn -pl kafka-broker package)");
        }
      }
      return cp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * {@code n} distinct free loopback ports: each is held open until all are chosen, since a port
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

  static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
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
}

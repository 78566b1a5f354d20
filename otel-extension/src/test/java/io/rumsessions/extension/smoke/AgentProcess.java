package io.rumsessions.extension.smoke;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@link SmokeApp} in its own JVM, with the real agent and optionally the extension. */
final class AgentProcess implements AutoCloseable {

  static Path agentJar() {
    return requiredFile("rum.agent.jar");
  }

  static Path extensionJar() {
    return requiredFile("rum.extension.jar");
  }

  private static Path requiredFile(String property) {
    String p = System.getProperty(property);
    if (p == null) {
      throw new IllegalStateException(
          property + " is not set: run through Maven (mvn -pl otel-extension -am verify)");
    }
    Path path = Paths.get(p);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(property + ": no file " + path + " (run mvn package first)");
    }
    return path;
  }

  private final Process process;
  private final int port;
  private final StringBuffer log = new StringBuffer();

  /**
   * @param agent whether to attach the agent
   * @param extension whether to load the extension (needs the agent)
   * @param properties extra -D system properties
   */
  AgentProcess(String name, boolean agent, boolean extension, String otlpEndpoint, Map<String, String> properties)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    // answer in one TCP segment: without it, Nagle plus delayed ACK adds 40 ms per response
    cmd.add("-Dsun.net.httpserver.nodelay=true");
    if (agent) {
      cmd.add("-javaagent:" + agentJar());
      if (extension) {
        cmd.add("-Dotel.javaagent.extensions=" + extensionJar());
      }
      cmd.add("-Dotel.service.name=" + name);
      cmd.add("-Dotel.traces.exporter=otlp");
      cmd.add("-Dotel.exporter.otlp.protocol=http/protobuf");
      cmd.add("-Dotel.exporter.otlp.endpoint=" + otlpEndpoint);
      cmd.add("-Dotel.bsp.schedule.delay=100");
      cmd.add("-Dotel.metrics.exporter=none");
      cmd.add("-Dotel.logs.exporter=none");
      for (Map.Entry<String, String> e : properties.entrySet()) {
        cmd.add("-D" + e.getKey() + "=" + e.getValue());
      }
    }
    cmd.add("-cp");
    cmd.add(testClasses().toString());
    cmd.add(SmokeApp.class.getName());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    // the agent's configuration comes from the -D flags only
    pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.equals("JAVA_TOOL_OPTIONS"));
    process = pb.start();
    CompletableFuture<Integer> portFuture = new CompletableFuture<>();
    drain(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), portFuture);
    drain(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), null);
    try {
      port = portFuture.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException(name + " did not start: " + e + "\n" + log, e);
    }
  }

  private void drain(BufferedReader reader, CompletableFuture<Integer> portFuture) {
    Thread t =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (portFuture != null && line.startsWith("PORT ")) {
                    portFuture.complete(Integer.parseInt(line.substring(5).trim()));
                  }
                  log.append(line).append('\n');
                }
              } catch (IOException ignored) {
                // process ended
              }
            },
            "smoke-app-output");
    t.setDaemon(true);
    t.start();
  }

  private static Path testClasses() {
    try {
      return Paths.get(SmokeApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return port;
  }

  String log() {
    return log.toString();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

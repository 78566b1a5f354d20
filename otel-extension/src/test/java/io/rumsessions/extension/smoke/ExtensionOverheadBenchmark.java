package io.rumsessions.extension.smoke;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Per-request overhead of the extension, against the agent alone: the same {@link SmokeApp} in
 * four JVMs (no agent; agent; agent capturing the same request headers as the extension makes it
 * capture, without the extension; agent + extension with its defaults), the same request loop
 * (sequential HTTP/1.1 keep-alive requests over loopback from this JVM, HttpURLConnection), rounds alternating
 * between the JVMs, medians over the rounds. Two measures per round: the median request latency
 * seen by the client, and the server process's CPU time (user + system, all threads, including
 * the span export) divided by the number of requests.
 *
 * <p>Off by default (about three minutes on two cores). Run with:
 *
 * <pre>
 * mvn -B -pl otel-extension -am verify -Drum.overhead=true
 * </pre>
 *
 * <p>Results are printed and written to {@code target/overhead-benchmark.txt}.
 */
@EnabledIfSystemProperty(named = "rum.overhead", matches = "true")
class ExtensionOverheadBenchmark {

  private static final int WARMUP = Integer.getInteger("rum.overhead.warmup", 6000);
  private static final int ROUNDS = Integer.getInteger("rum.overhead.rounds", 15);
  private static final int REQUESTS = Integer.getInteger("rum.overhead.requests", 1500);

  private static final String[] SESSION_HEADERS = {
    "user-agent", AgentSmokeTest.CHROME,
    "baggage", "session.id=3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b1a77,consent.analytics=granted",
    "x-rum-session-id", "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b1a77",
    "x-rum-consent", "granted",
  };

  record Scenario(String name, String path, String[] headers) {}

  record Round(double latencyMicros, double cpuMicros) {}

  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void overheadAgainstTheAgentAlone() throws Exception {
    List<Scenario> scenarios =
        List.of(
            new Scenario("browser request, 1 span (/plain)", "/plain", SESSION_HEADERS),
            new Scenario(
                "browser request, 3 spans (/work/x: server, client call, inner server)",
                "/work/x",
                SESSION_HEADERS),
            new Scenario(
                "bot request, 1 span (Googlebot, /plain)",
                "/plain",
                new String[] {"user-agent", AgentSmokeTest.GOOGLEBOT}));
    String[] configs = {"no agent", "agent", "agent + header capture", "agent + extension"};
    StringBuilder report = new StringBuilder();
    report.append(machine()).append('\n');
    report.append(
        String.format(
            Locale.ROOT,
            "warm-up %d requests per JVM and scenario, %d rounds x %d requests, medians over rounds%n%n",
            WARMUP, ROUNDS, REQUESTS));
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      receiver.discardSpans();
      List<AgentProcess> apps = new ArrayList<>();
      try {
        apps.add(new AgentProcess("bench-none", false, false, receiver.endpoint(), Map.of()));
        apps.add(new AgentProcess("bench-agent", true, false, receiver.endpoint(), Map.of()));
        // the agent capturing (and exporting) the same request headers the extension has it
        // capture, without the extension: separates the agent's share of the cost
        apps.add(
            new AgentProcess(
                "bench-capture",
                true,
                false,
                receiver.endpoint(),
                Map.of(
                    "otel.instrumentation.http.server.capture-request-headers",
                    "x-rum-session-id,x-rum-session-previous-id,x-rum-consent,sec-gpc")));
        apps.add(new AgentProcess("bench-extension", true, true, receiver.endpoint(), Map.of()));
        for (Scenario scenario : scenarios) {
          Map<String, List<Round>> results = new LinkedHashMap<>();
          for (int i = 0; i < apps.size(); i++) {
            loop(apps.get(i), scenario, WARMUP, null);
            results.put(configs[i], new ArrayList<>());
          }
          for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < apps.size(); i++) {
              // rotate the order so no JVM always runs right after another
              int k = (i + r) % apps.size();
              results.get(configs[k]).add(loop(apps.get(k), scenario, REQUESTS, new long[REQUESTS]));
            }
          }
          report.append(table(scenario, results));
        }
      } finally {
        for (AgentProcess app : apps) {
          app.close();
        }
      }
    }
    System.out.println(report);
    Path out = Paths.get("target", "overhead-benchmark.txt");
    Files.createDirectories(out.getParent());
    Files.write(out, report.toString().getBytes(StandardCharsets.UTF_8));
  }

  private Round loop(AgentProcess app, Scenario scenario, int n, long[] latencies)
      throws IOException, InterruptedException {
    URL url = new URL("http://127.0.0.1:" + app.port() + scenario.path());
    long cpuBefore = cpuNanos(app);
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      request(url, scenario.headers());
      long t1 = System.nanoTime();
      if (latencies != null) {
        latencies[i] = t1 - t0;
      }
    }
    // let the batch span processor (100 ms) export what this round produced
    Thread.sleep(300);
    long cpu = cpuNanos(app) - cpuBefore;
    if (latencies == null) {
      return null;
    }
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Round(sorted[n / 2] / 1000.0, cpu / 1000.0 / n);
  }

  /** The app's process CPU time in ns, read by the app itself (nanosecond resolution). */
  private static long cpuNanos(AgentProcess app) throws IOException {
    URL url = new URL("http://127.0.0.1:" + app.port() + "/cpu");
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    try (InputStream in = c.getInputStream()) {
      return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
    }
  }

  /** One GET over a kept-alive connection (HttpURLConnection pools them per host). */
  private static void request(URL url, String[] headers) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setConnectTimeout(10_000);
    c.setReadTimeout(20_000);
    for (int i = 0; i < headers.length; i += 2) {
      c.setRequestProperty(headers[i], headers[i + 1]);
    }
    if (c.getResponseCode() != 200) {
      throw new IOException("status " + c.getResponseCode() + " from " + url);
    }
    try (InputStream in = c.getInputStream()) {
      in.readAllBytes();
    }
  }

  private static String table(Scenario scenario, Map<String, List<Round>> results) {
    StringBuilder sb = new StringBuilder();
    sb.append("scenario: ").append(scenario.name()).append('\n');
    sb.append("| JVM | median latency us (rounds min..max) | server CPU us/request (rounds min..max) |\n");
    sb.append("|---|---|---|\n");
    for (Map.Entry<String, List<Round>> e : results.entrySet()) {
      double[] latencies = e.getValue().stream().mapToDouble(Round::latencyMicros).toArray();
      double[] cpus = e.getValue().stream().mapToDouble(Round::cpuMicros).toArray();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f (%.1f..%.1f) | %.1f (%.1f..%.1f) |%n",
              e.getKey(),
              median(latencies),
              min(latencies),
              max(latencies),
              median(cpus),
              min(cpus),
              max(cpus)));
    }
    sb.append(paired("agent + extension", results));
    sb.append(paired("agent + header capture", results));
    return sb.append('\n').toString();
  }

  /** Each round of one JVM against the agent-alone round next to it; median and middle half. */
  private static String paired(String config, Map<String, List<Round>> results) {
    List<Round> agent = results.get("agent");
    List<Round> other = results.get(config);
    double[] dLatency = new double[agent.size()];
    double[] dCpu = new double[agent.size()];
    for (int i = 0; i < agent.size(); i++) {
      dLatency[i] = other.get(i).latencyMicros() - agent.get(i).latencyMicros();
      dCpu[i] = other.get(i).cpuMicros() - agent.get(i).cpuMicros();
    }
    return String.format(
        Locale.ROOT,
        "%s - agent alone, median of paired rounds: latency %+.1f us (%+.1f%%),"
            + " server CPU %+.1f us/request (%+.1f%%); middle half of the rounds:"
            + " latency %+.1f..%+.1f us, CPU %+.1f..%+.1f us%n",
        config,
        median(dLatency),
        100 * median(dLatency) / median(agent.stream().mapToDouble(Round::latencyMicros).toArray()),
        median(dCpu),
        100 * median(dCpu) / median(agent.stream().mapToDouble(Round::cpuMicros).toArray()),
        quantile(dLatency, 0.25),
        quantile(dLatency, 0.75),
        quantile(dCpu, 0.25),
        quantile(dCpu, 0.75));
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  private static double quantile(double[] values, double q) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[(int) Math.round(q * (v.length - 1))];
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return String.format(
        Locale.ROOT,
        "machine: %s, %d cores, %s %s (%s), %s",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        System.getProperty("java.vendor"),
        System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }
}

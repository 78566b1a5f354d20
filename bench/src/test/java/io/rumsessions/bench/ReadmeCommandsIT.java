package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The READMEs' quick commands, typed as a user types them, in a copy of the sources with no
 * build output: what a fresh clone is. The scripts must build what they need themselves
 * (issue #19: {@code bench/rum-bench} needed the processor installed in ~/.m2, and ran Maven
 * offline without the plugins it used). Runs at {@code integration-test}, after this reactor
 * packaged the modules, so ~/.m2 holds every plugin a {@code package} needs, as after
 * {@code mvn verify} on a fresh machine. The first two tests build, the others use their jars.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadmeCommandsIT {
  static final Set<String> NOT_IN_A_CLONE = Set.of("target", "node_modules", ".git", ".idea", "rum-sessions-state");

  @TempDir static Path tmp;
  Path clone;

  record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  @BeforeAll
  void copySources() throws IOException {
    Path root = Path.of(System.getProperty("rum.bench.root", "..")).toAbsolutePath().normalize();
    clone = tmp.resolve("clone");
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(root) && NOT_IN_A_CLONE.contains(dir.getFileName().toString())) return FileVisitResult.SKIP_SUBTREE;
        Files.createDirectories(clone.resolve(root.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        // COPY_ATTRIBUTES keeps the scripts executable.
        Files.copy(file, clone.resolve(root.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        return FileVisitResult.CONTINUE;
      }
    });
    assertThat(clone.resolve("collector-processor/target")).doesNotExist();
  }

  Run run(Duration timeout, String... command) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    // The working directory is not the clone: the scripts must find their root themselves.
    Process p = new ProcessBuilder(command).directory(tmp.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + "\n" + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  String script(String path) {
    return clone.resolve(path).toString();
  }

  @Test
  @Order(1)
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void processorHelpBuildsTheProcessorFirst() throws Exception {
    Run r = run(Duration.ofMinutes(9), script("bin/rum-sessions"), "--help");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).as(r.toString()).contains("rum-sessions: building the processor");
    assertThat(r.out()).as(r.toString()).startsWith("usage: rum-sessions [--config FILE] [flags]").contains("--inactivity-timeout VALUE");
    assertThat(clone.resolve("collector-processor/target/rum-sessions-collector-processor-all.jar")).exists();
  }

  /** The field report's case: the processor's jar is there, the harness's is not. */
  @Test
  @Order(2)
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void benchHelpBuildsTheHarnessWithoutAnInstalledProcessor() throws Exception {
    Run r = run(Duration.ofMinutes(9), script("bench/rum-bench"), "--help");
    assertThat(r.exit()).as(r.toString()).isZero();
    // The harness prints its usage on stderr.
    assertThat(r.err()).as(r.toString()).contains("rum-bench: building").contains("usage: rum-bench run [options]")
        .contains("--concurrency N");
    assertThat(clone.resolve("bench/target/rum-bench-all.jar")).exists();

    Run again = run(Duration.ofMinutes(2), script("bench/rum-bench"), "--help");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.err()).as("nothing is stale now: " + again).doesNotContain("building");
  }

  /** ATTRIBUTION.md's example, output and all. */
  @Test
  @Order(3)
  void utmBuildPrintsTheTaggedUrl() throws Exception {
    Run r = run(Duration.ofMinutes(2), script("bin/rum-sessions"), "utm", "build", "--url", "https://shop.example/spring?lang=en#hero",
        "--source", "Newsletter", "--medium", "email", "--campaign", "spring_sale", "--content", "Header Button");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).as(r.toString()).doesNotContain("building").contains("channel: email (Email)").contains("recorded in campaigns.yaml");
    assertThat(r.out().strip()).as(r.toString()).isEqualTo(
        "https://shop.example/spring?lang=en&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_content=header%20button#hero");
    assertThat(tmp.resolve("campaigns.yaml")).content().contains("spring_sale");
  }

  /**
   * {@code bin/rum-sessions} serving a visit, stopped as a service manager stops it, then the
   * processor README's {@code visitors} command on the sketch file it saved.
   */
  @Test
  @Order(4)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theProcessorRunsAndVisitorsReadsTheSketchesItSaved() throws Exception {
    Path state = tmp.resolve("state");
    Path log = tmp.resolve("processor.out");
    Process p = new ProcessBuilder(script("bin/rum-sessions"), "--otlp-grpc-port", "0", "--otlp-http-port", "0",
        "--metrics-port", "0", "--state-dir", state.toString())
        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Pattern ready = Pattern.compile("OTLP HTTP :(\\d+) \\(POST /v1/traces\\)");
      String httpPort = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (httpPort == null && p.isAlive() && System.nanoTime() < deadline) {
        Matcher m = ready.matcher(Files.readString(log));
        if (m.find()) httpPort = m.group(1);
        else Thread.sleep(100);
      }
      assertThat(httpPort).as("the processor's start line:\n" + Files.readString(log)).isNotNull();
      long now = System.currentTimeMillis() * 1_000_000L;
      String visit = """
          {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"readme-site"}},
          {"key":"client.address","value":{"stringValue":"203.0.113.7"}},
          {"key":"user_agent.original","value":{"stringValue":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"}}]},
          "scopeSpans":[{"spans":[{"traceId":"5b0df6b3e1b3101898f704aa91c0a432","spanId":"52c63bc2b8af77a7","name":"pageview","kind":1,
          "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"url.full","value":{"stringValue":"https://shop.example/"}}]}]}]}]}
          """.formatted(now, now);
      HttpResponse<String> posted = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(visit)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
    } finally {
      p.destroy(); // SIGTERM: the script execs java, whose shutdown hook saves the sketches
      if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    Path sketches = state.resolve("visitors.sketches");
    assertThat(sketches).as(Files.readString(log)).exists();

    Run r = run(Duration.ofMinutes(2), script("bin/rum-sessions"), "visitors", sketches.toString());
    assertThat(r.exit()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).as(r.toString()).first().asString().matches("service\\s+population\\s+window\\s+visitors");
    assertThat(lines).as(r.toString()).anyMatch(l -> l.matches("readme-site\\s+all\\s+1d\\s+1"));
  }
}

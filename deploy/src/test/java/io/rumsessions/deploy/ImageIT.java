package io.rumsessions.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the OCI tarball that jib:buildTar wrote (no daemon: an OCI image layout is files and JSON)
 * and checks what a container runtime would use: entrypoint, user, ports, volume, every blob's
 * digest, the layers' diff ids, and that the jar in it is the one this build made. Then unpacks the
 * layers into a root file system and runs the entrypoint in it as the image's user (chroot, its own
 * PID namespace and /proc, as a runtime would): `--help`, the JVM options in effect, and a real
 * start that serves the probes and writes its state.
 */
class ImageIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JAR = "/app/rum-sessions-collector-processor-all.jar";
  static final Path IMAGE = Path.of(System.getProperty("image.tar"));
  static final Path BUILT_JAR = Path.of(System.getProperty("processor.jar"));

  @TempDir static Path dir;
  static Path layout;
  static JsonNode manifest;
  static JsonNode config;
  static Path rootfs;

  @BeforeAll
  static void open() throws Exception {
    assertThat(IMAGE).isRegularFile();
    layout = dir.resolve("layout");
    Files.createDirectories(layout);
    Tools.run(List.of("tar", "-xf", IMAGE.toString(), "-C", layout.toString()), Duration.ofMinutes(2)).ok("tar");
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    assertThat(JSON.readTree(layout.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText()).isEqualTo("1.0.0");
    assertThat(index.path("manifests")).hasSize(1);
    JsonNode ref = index.path("manifests").get(0);
    assertThat(ref.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(ref.path("annotations").path("org.opencontainers.image.ref.name").asText())
        .isEqualTo("rum-sessions:" + System.getProperty("project.version", "0.1.0-SNAPSHOT"));
    manifest = JSON.readTree(blob(ref.path("digest").asText(), ref.path("size").asLong()));
    JsonNode cfg = manifest.path("config");
    assertThat(cfg.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
    config = JSON.readTree(blob(cfg.path("digest").asText(), cfg.path("size").asLong()));
  }

  /** A blob's bytes, after checking them against their digest and size. */
  static byte[] blob(String digest, long size) throws Exception {
    assertThat(digest).startsWith("sha256:");
    byte[] bytes = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring(7)));
    assertThat((long) bytes.length).as("size of " + digest).isEqualTo(size);
    assertThat("sha256:" + sha256(bytes)).as("digest of its bytes").isEqualTo(digest);
    return bytes;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void runtimeConfiguration() {
    JsonNode c = config.path("config");
    assertThat(config.path("os").asText()).isEqualTo("linux");
    assertThat(config.path("architecture").asText()).isEqualTo("amd64");
    assertThat(strings(c.path("Entrypoint"))).containsExactly("java", "@/app/jvm.options", "-jar", JAR);
    assertThat(c.path("Cmd").isMissingNode() || c.path("Cmd").isNull() || c.path("Cmd").isEmpty()).as("no default arguments").isTrue();
    assertThat(c.path("User").asText()).isEqualTo("65532:65532");
    List<String> ports = new ArrayList<>();
    c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    assertThat(ports).containsExactlyInAnyOrder("4317/tcp", "4318/tcp", "9464/tcp");
    List<String> volumes = new ArrayList<>();
    c.path("Volumes").fieldNames().forEachRemaining(volumes::add);
    assertThat(volumes).containsExactly("/var/lib/rum-sessions");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/var/lib/rum-sessions");
    assertThat(strings(c.path("Env"))).anyMatch(e -> e.startsWith("PATH=") && e.contains("/bin"));
    assertThat(c.path("Labels").path("org.opencontainers.image.version").asText()).isNotBlank();
  }

  @Test
  void layersMatchTheirDiffIdsAndCarryTheJarJustBuilt() throws Exception {
    JsonNode layers = manifest.path("layers");
    List<String> diffIds = strings(config.path("rootfs").path("diff_ids"));
    assertThat(layers.size()).as("layers").isEqualTo(diffIds.size()).isBetween(2, 6);
    Map<String, byte[]> appFiles = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      JsonNode l = layers.get(i);
      assertThat(l.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
      byte[] gz = blob(l.path("digest").asText(), l.path("size").asLong());
      byte[] tar;
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
        tar = in.readAllBytes();
      }
      assertThat("sha256:" + sha256(tar)).as("diff id of layer " + i).isEqualTo(diffIds.get(i));
      appFiles.putAll(Tar.files(tar, "app/"));
    }
    // The last layer is Jib's: the jar this build made and the JVM options bin/rum-sessions uses.
    assertThat(appFiles).containsOnlyKeys("app/rum-sessions-collector-processor-all.jar", "app/jvm.options",
        "app/jib-classpath-file", "app/jib-main-class-file");
    // Jib writes these two for entrypoints it makes itself; ours runs the jar, whose manifest names the same class.
    assertThat(new String(appFiles.get("app/jib-main-class-file"), java.nio.charset.StandardCharsets.UTF_8).strip())
        .isEqualTo("io.rumsessions.processor.RumSessionsMain");
    assertThat(sha256(appFiles.get("app/rum-sessions-collector-processor-all.jar")))
        .as("the jar in the image is the one just built").isEqualTo(sha256(Files.readAllBytes(BUILT_JAR)));
    assertThat(appFiles.get("app/jvm.options")).isEqualTo(Files.readAllBytes(Tools.ROOT.resolve("collector-processor/jvm.options")));
  }

  /** The layers unpacked in order into one root file system, as a runtime lays them out. */
  static synchronized Path rootfs() throws Exception {
    if (rootfs != null) return rootfs;
    assertThat(Tools.run(List.of("id", "-u"), Duration.ofSeconds(10)).out().strip())
        .as("running the image's entrypoint needs root (chroot, unshare), as CI has").isEqualTo("0");
    Path root = dir.resolve("rootfs");
    Files.createDirectories(root);
    for (JsonNode l : manifest.path("layers")) {
      Path gz = layout.resolve("blobs/sha256").resolve(l.path("digest").asText().substring(7));
      Tools.run(List.of("tar", "--numeric-owner", "-xzf", gz.toString(), "-C", root.toString()), Duration.ofMinutes(2)).ok("tar");
    }
    try (Stream<Path> s = Files.walk(root)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith(".wh.")).toList()).as("whiteouts").isEmpty();
    }
    Files.createDirectories(root.resolve("proc"));
    rootfs = root;
    return root;
  }

  /** The entrypoint (plus args) inside the image's root, as its user, with its environment. */
  static ProcessBuilder inImage(List<String> args) throws Exception {
    Path root = rootfs();
    List<String> cmd = Tools.list("unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc=" + root.resolve("proc"),
        "chroot", "--userspec=" + config.path("config").path("User").asText(), root.toString());
    cmd.addAll(strings(config.path("config").path("Entrypoint")));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    for (String e : strings(config.path("config").path("Env"))) {
      int eq = e.indexOf('=');
      pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
    }
    return pb;
  }

  @Test
  void helpRunsAsTheImageUser() throws Exception {
    Path out = dir.resolve("help.txt");
    Process p = inImage(List.of("--help")).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String text = Files.readString(out);
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(text).contains("usage: rum-sessions [--config FILE] [flags]").contains("--state-dir");
  }

  @Test
  void jvmOptionsFileIsInEffect() throws Exception {
    Path root = rootfs();
    List<String> cmd = Tools.list("unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc=" + root.resolve("proc"),
        "chroot", "--userspec=65532:65532", root.toString(), "java", "@/app/jvm.options", "-XX:+PrintFlagsFinal", "-version");
    Map<String, String> env = new HashMap<>();
    for (String e : strings(config.path("config").path("Env"))) env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    Tools.Result r = Tools.run(cmd, Duration.ofMinutes(2), env, null).ok("java -XX:+PrintFlagsFinal");
    assertThat(r.out()).containsPattern("MaxTenuringThreshold\\s+= 1 ")
        .containsPattern("MaxNewSize\\s+= 67108864 ")
        .containsPattern("InitialRAMPercentage\\s+= 100\\.0");
    assertThat(r.err()).contains("version \"17.");
  }

  @Test
  void startsServesTheProbesAndKeepsItsStateInTheVolume() throws Exception {
    int grpc = Tools.freePort(), http = Tools.freePort(), metrics = Tools.freePort();
    Path log = dir.resolve("run.log");
    Process p = inImage(List.of("--state-dir", "/var/lib/rum-sessions/state", "--otlp-grpc-port", "" + grpc,
        "--otlp-http-port", "" + http, "--metrics-port", "" + metrics, "--set", "receiver.host=127.0.0.1", "--set", "metrics.host=127.0.0.1"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(Tools.awaitStatus("http://127.0.0.1:" + metrics + "/-/healthy", Duration.ofSeconds(90), p)).as(Files.readString(log)).isEqualTo(200);
      assertThat(Tools.awaitStatus("http://127.0.0.1:" + http + "/rum.js", Duration.ofSeconds(30), p)).isEqualTo(200);
      assertThat(Tools.awaitStatus("http://127.0.0.1:" + metrics + "/metrics", Duration.ofSeconds(10), p)).isEqualTo(200);
      // SIGTERM to the JVM (PID 1 of its namespace, as in a container): it checkpoints and exits.
      ProcessHandle jvm = p.descendants().filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst().orElseThrow();
      jvm.destroy();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    Path state = rootfs().resolve("var/lib/rum-sessions/state");
    try (Stream<Path> s = Files.list(state)) {
      List<Path> files = s.toList();
      assertThat(files).as("state written by the image's user").isNotEmpty();
      for (Path f : files) assertThat(Files.getAttribute(f, "unix:uid")).as(f.toString()).isEqualTo(65532);
    }
  }
}

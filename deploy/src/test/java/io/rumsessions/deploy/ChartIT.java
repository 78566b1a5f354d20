package io.rumsessions.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart: helm lint and helm template with the default and the full values, every rendered
 * object through deploy/validate (strict decoding into the k8s.io/api and Prometheus Operator types),
 * the PrometheusRule against the rule files promtool tests (equal, and passing those very tests),
 * the dashboards against their files, the rendered configuration and probes against the real
 * processor, the packaged chart, and the Collector chart example against a real Collector.
 */
class ChartIT {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration MINUTES = Duration.ofMinutes(5);

  @TempDir static Path dir;
  static Path helm;
  static Path validator;
  static List<JsonNode> defaults;
  static List<JsonNode> full;

  @BeforeAll
  static void tools() throws Exception {
    helm = Tools.tool("helm.sh");
    validator = Tools.tool("validator.sh");
    defaults = render("default", List.of());
    full = render("full", List.of("-f", Tools.CHART.resolve("ci/full-values.yaml").toString()));
  }

  static List<JsonNode> render(String name, List<String> values) throws Exception {
    List<String> cmd = Tools.list(helm.toString(), "template", "rum", Tools.CHART.toString(), "--namespace", "rum");
    cmd.addAll(values);
    String yaml = Tools.run(cmd, MINUTES).ok("helm template (" + name + ")").out();
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser p = new YAMLFactory().createParser(yaml)) {
      for (var it = YAML.readValues(p, JsonNode.class); it.hasNext(); ) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isEmpty()) docs.add(n);
      }
    }
    return docs;
  }

  static List<String> kinds(List<JsonNode> docs) {
    return docs.stream().map(d -> d.path("kind").asText()).sorted().toList();
  }

  static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  @Test
  void lintsCleanWithDefaultAndFullValues() throws Exception {
    Tools.run(List.of(helm.toString(), "lint", "--strict", Tools.CHART.toString()), MINUTES).ok("helm lint");
    Tools.run(List.of(helm.toString(), "lint", "--strict", Tools.CHART.toString(), "-f", Tools.CHART.resolve("ci/full-values.yaml").toString()), MINUTES)
        .ok("helm lint (full values)");
  }

  @Test
  void defaultValuesRenderTheProcessorAndNothingOptional() throws Exception {
    assertThat(kinds(defaults)).containsExactly("ConfigMap", "Service", "Service", "ServiceAccount", "StatefulSet");
    Tools.Result r = Tools.run(List.of(validator.toString(), dir.resolve("default.yaml").toString()), MINUTES).ok("validate (default)");
    assertThat(r.out()).contains("validate: 5 objects valid");
    JsonNode sts = only(defaults, "StatefulSet");
    assertThat(sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
    JsonNode container = sts.at("/spec/template/spec/containers/0");
    assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).contains("/var/lib/rum-sessions");
    assertThat(sts.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
    JsonNode headless = defaults.stream().filter(d -> d.at("/spec/clusterIP").asText().equals("None")).findFirst().orElseThrow();
    assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(headless.at("/metadata/name").asText()).isEqualTo("rum-rum-sessions-headless");
    assertThat(headless.path("spec").path("ports").findValuesAsText("name")).contains("otlp-grpc");
    JsonNode config = YAML.readTree(only(defaults, "ConfigMap").at("/data/config.yaml").asText());
    assertThat(config.at("/state/dir").asText()).isEqualTo("/var/lib/rum-sessions");
  }

  @Test
  void fullValuesRenderEveryPartAndValidate() throws Exception {
    assertThat(kinds(full)).containsExactly("ConfigMap", "ConfigMap", "ConfigMap", "PodDisruptionBudget", "PrometheusRule",
        "Service", "Service", "ServiceAccount", "ServiceMonitor", "StatefulSet");
    Tools.Result r = Tools.run(List.of(validator.toString(), dir.resolve("full.yaml").toString()), MINUTES).ok("validate (full)");
    assertThat(r.out()).contains("validate: 10 objects valid");
    JsonNode sm = only(full, "ServiceMonitor");
    assertThat(sm.at("/spec/jobLabel").asText()).isEqualTo("app.kubernetes.io/name");
    assertThat(sm.at("/spec/endpoints/0/port").asText()).isEqualTo("http-metrics");
  }

  @Test
  void validatorRejectsUnknownFieldsWrongTypesAndBrokenReferences() throws Exception {
    String good = Files.readString(dir.resolve("default.yaml"));
    Map<String, String> broken = Map.of(
        "unknown field", good.replace("podManagementPolicy:", "podManagmentPolicy:"),
        "wrong type", good.replace("containerPort: 4317", "containerPort: \"4317\""),
        "quantity", good.replace("memory: 1Gi", "memory: 1 GiB"),
        "probe port", good.replace("port: otlp-http\n", "port: otlp-https\n"),
        "selector", good.replace("      app.kubernetes.io/instance: rum\n  persistentVolumeClaimRetentionPolicy:",
            "      app.kubernetes.io/instance: other\n  persistentVolumeClaimRetentionPolicy:"),
        "unknown kind", good + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n");
    for (var e : broken.entrySet()) {
      assertThat(e.getValue()).as(e.getKey() + ": the change applies").isNotEqualTo(good);
      Tools.Result r = Tools.run(List.of(validator.toString(), "-"), MINUTES, null, e.getValue().getBytes(StandardCharsets.UTF_8));
      assertThat(r.exit()).as(e.getKey() + ": " + r.err()).isEqualTo(1);
      assertThat(r.err()).as(e.getKey()).contains("validate: ERROR");
    }
  }

  /** The rule files the promtool tests load: each test file's rule_files, resolved. */
  static List<Path> rulesPromtoolTests() throws Exception {
    Path tests = Tools.ROOT.resolve("dashboards/prometheus/tests");
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(tests)) {
      for (Path t : s.filter(p -> p.toString().endsWith(".test.yml")).sorted().toList()) {
        for (JsonNode f : YAML.readTree(t.toFile()).path("rule_files")) {
          Path p = tests.resolve(f.asText()).normalize();
          if (!files.contains(p)) files.add(p);
        }
      }
    }
    return files;
  }

  @Test
  void prometheusRuleCarriesExactlyTheRulesPromtoolTests() throws Exception {
    List<Path> tested = rulesPromtoolTests();
    assertThat(tested).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder("recording-rules.yml", "alerts.yml");
    ArrayNode expected = JSON.createArrayNode();
    for (String f : List.of("recording-rules.yml", "alerts.yml")) {
      YAML.readTree(Tools.ROOT.resolve("dashboards/prometheus").resolve(f).toFile()).path("groups").forEach(expected::add);
    }
    JsonNode groups = only(full, "PrometheusRule").at("/spec/groups");
    assertThat(groups).isEqualTo(expected);

    // And the rendered rules pass the promtool tests themselves, loaded in place of the files.
    Path rules = dir.resolve("rendered-rules.yml");
    ObjectNode file = YAML.createObjectNode();
    file.set("groups", groups);
    YAML.writeValue(rules.toFile(), file);
    Path tests = Tools.ROOT.resolve("dashboards/prometheus/tests");
    List<String> cmd = Tools.list("promtool", "test", "rules");
    try (Stream<Path> s = Files.list(tests)) {
      for (Path t : s.filter(p -> p.toString().endsWith(".test.yml")).sorted().toList()) {
        ObjectNode test = (ObjectNode) YAML.readTree(t.toFile());
        test.set("rule_files", YAML.createArrayNode().add(rules.toString()));
        Path copy = dir.resolve(t.getFileName());
        YAML.writeValue(copy.toFile(), test);
        cmd.add(copy.toString());
      }
    }
    assertThat(cmd).hasSizeGreaterThan(3);
    Tools.Result r = Tools.run(cmd, MINUTES).ok("promtool test rules (rendered PrometheusRule)");
    assertThat(r.out() + r.err()).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  void dashboardConfigMapsCarryTheDashboardFilesForTheSidecar() throws Exception {
    Map<String, String> rendered = new TreeMap<>();
    for (JsonNode cm : full) {
      if (!cm.path("kind").asText().equals("ConfigMap") || !cm.at("/metadata/labels/grafana_dashboard").asText().equals("1")) continue;
      assertThat(cm.at("/metadata/annotations/grafana_folder").asText()).isEqualTo("RUM sessions");
      cm.path("data").fields().forEachRemaining(e -> rendered.put(e.getKey(), e.getValue().asText()));
    }
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.list(Tools.ROOT.resolve("dashboards/grafana"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) files.put(f.getFileName().toString(), Files.readString(f));
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(2);
    assertThat(rendered).isEqualTo(files);
  }

  @Test
  void renderedConfigStartsTheProcessorAndItsProbesAnswer() throws Exception {
    for (List<JsonNode> docs : List.of(defaults, full)) {
      JsonNode container = only(docs, "StatefulSet").at("/spec/template/spec/containers/0");
      Path config = dir.resolve("config-" + docs.size() + ".yaml");
      Files.writeString(config, only(docs.stream().filter(d -> d.at("/data/config.yaml").isTextual()).toList(), "ConfigMap")
          .at("/data/config.yaml").asText());
      Map<String, Integer> ports = new TreeMap<>();
      for (JsonNode p : container.path("ports")) ports.put(p.path("name").asText(), Tools.freePort());
      List<String> cmd = Tools.list("java", "-jar", System.getProperty("processor.jar"), "--config", config.toString(),
          "--state-dir", dir.resolve("state-" + docs.size()).toString(),
          "--otlp-grpc-port", "" + ports.get("otlp-grpc"), "--otlp-http-port", "" + ports.get("otlp-http"),
          "--metrics-port", "" + ports.get("http-metrics"), "--set", "receiver.host=127.0.0.1", "--set", "metrics.host=127.0.0.1");
      for (JsonNode a : container.path("args")) {
        if (!a.asText().equals("--config") && !a.asText().equals("/etc/rum-sessions/config.yaml")) cmd.add(a.asText());
      }
      Path log = dir.resolve("processor-" + docs.size() + ".log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
          JsonNode get = container.path(probe).path("httpGet");
          assertThat(get.isObject()).as(probe + " is an HTTP probe").isTrue();
          Integer port = ports.get(get.path("port").asText());
          assertThat(port).as(probe + " port " + get.path("port")).isNotNull();
          int code = Tools.awaitStatus("http://127.0.0.1:" + port + get.path("path").asText(), Duration.ofSeconds(60), p);
          assertThat(code).as(probe + " " + get + "\n" + Files.readString(log)).isEqualTo(200);
        }
      } finally {
        p.destroy();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
      }
    }
  }

  @Test
  void packagedChartResolvesTheLinkedRulesAndDashboards() throws Exception {
    Files.createDirectories(Tools.DIST);
    Tools.run(List.of(helm.toString(), "package", Tools.CHART.toString(), "--destination", Tools.DIST.toString()), MINUTES).ok("helm package");
    Path tgz = Tools.DIST.resolve("rum-sessions-0.1.0.tgz");
    assertThat(tgz).isRegularFile();
    Path out = dir.resolve("packaged");
    Files.createDirectories(out);
    Tools.run(List.of("tar", "-xzf", tgz.toString(), "-C", out.toString()), MINUTES).ok("tar");
    for (String f : List.of("files/prometheus/recording-rules.yml", "files/prometheus/alerts.yml",
        "files/grafana/sessions-overview.json", "files/grafana/processor-health.json")) {
      Path in = out.resolve("rum-sessions").resolve(f);
      assertThat(Files.isSymbolicLink(in)).as(f + " is a file in the package").isFalse();
      assertThat(Files.readString(in)).as(f).isEqualTo(Files.readString(Tools.CHART.resolve(f)));
    }
  }

  @Test
  void collectorChartExampleIsAValidCollectorConfig() throws Exception {
    JsonNode values = YAML.readTree(Tools.DEPLOY.resolve("helm/examples/otel-collector-values.yaml").toFile());
    JsonNode lb = values.at("/config/exporters/load_balancing");
    assertThat(lb.at("/routing_attributes/0").asText()).isEqualTo("session.id");
    // The resolver names the headless Service the chart renders for release "rum" in namespace "rum".
    String headless = defaults.stream().filter(d -> d.at("/spec/clusterIP").asText().equals("None")).findFirst().orElseThrow()
        .at("/metadata/name").asText();
    assertThat(lb.at("/resolver/k8s/service").asText()).isEqualTo(headless + ".rum");
    assertThat(lb.at("/resolver/k8s/ports/0").asInt()).isEqualTo(only(defaults, "StatefulSet")
        .at("/spec/template/spec/containers/0/ports/0/containerPort").asInt());

    // The chart merges `config` into its defaults; null removes a default. What remains must be a
    // configuration the Collector accepts: drop the nulls and let a Collector with the same
    // components (the e2e distribution) validate it.
    ObjectNode config = (ObjectNode) values.path("config").deepCopy();
    dropNulls(config);
    Path file = dir.resolve("collector.yaml");
    YAML.writeValue(file.toFile(), config);
    Tools.Result b = Tools.run(List.of("bash", Tools.ROOT.resolve("e2e/collector/build.sh").toString()), Duration.ofMinutes(20)).ok("collector build");
    String[] lines = b.out().strip().split("\n");
    Tools.Result r = Tools.run(List.of(lines[lines.length - 1], "validate", "--config=" + file), MINUTES,
        Map.of("MY_POD_IP", "127.0.0.1", "PATH", System.getenv("PATH")), null);
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
  }

  static void dropNulls(JsonNode n) {
    if (n instanceof ObjectNode o) {
      List<String> nulls = new ArrayList<>();
      o.fields().forEachRemaining(e -> {
        if (e.getValue().isNull()) nulls.add(e.getKey());
        else dropNulls(e.getValue());
      });
      nulls.forEach(o::remove);
    }
  }
}

package io.rumsessions.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The files of this module, read the way Grafana and Prometheus read them. */
final class Mixin {
  private Mixin() {}

  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path GRAFANA = ROOT.resolve("grafana");
  static final Path PROMETHEUS = ROOT.resolve("prometheus");
  static final Path RECORDING_RULES = PROMETHEUS.resolve("recording-rules.yml");
  static final Path ALERTS = PROMETHEUS.resolve("alerts.yml");
  static final Path RULE_TESTS = PROMETHEUS.resolve("tests");
  static final Path README = ROOT.resolve("README.md");

  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A dashboard file. */
  record Dashboard(Path file, String text, JsonNode json) {
    String uid() {
      return json.path("uid").asText();
    }

    String title() {
      return json.path("title").asText();
    }

    /** Every panel that is not a row, rows' nested panels included. */
    List<JsonNode> panels() {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode p : json.path("panels")) {
        if ("row".equals(p.path("type").asText())) {
          p.path("panels").forEach(out::add);
        } else {
          out.add(p);
        }
      }
      return out;
    }

    List<JsonNode> variables() {
      List<JsonNode> out = new ArrayList<>();
      json.path("templating").path("list").forEach(out::add);
      return out;
    }

    JsonNode variable(String name) {
      for (JsonNode v : variables()) {
        if (name.equals(v.path("name").asText())) return v;
      }
      return null;
    }

    @Override
    public String toString() {
      return file.getFileName().toString();
    }
  }

  /** One alerting or recording rule. */
  record Rule(String group, String name, boolean alert, String expr, JsonNode node) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Dashboard> dashboards() {
    try (Stream<Path> files = Files.list(GRAFANA)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().map(Mixin::dashboard).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Dashboard dashboard(Path file) {
    try {
      String text = Files.readString(file);
      return new Dashboard(file, text, JSON.readTree(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode yaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Rule> rules(Path file) {
    List<Rule> out = new ArrayList<>();
    for (JsonNode group : yaml(file).path("groups")) {
      for (JsonNode r : group.path("rules")) {
        boolean alert = r.has("alert");
        out.add(new Rule(group.path("name").asText(), r.path(alert ? "alert" : "record").asText(), alert,
            r.path("expr").asText(), r));
      }
    }
    return out;
  }

  static List<Rule> recordingRules() {
    return rules(RECORDING_RULES);
  }

  static List<Rule> alerts() {
    return rules(ALERTS);
  }

  static Set<String> recordedNames() {
    Set<String> names = new TreeSet<>();
    recordingRules().forEach(r -> names.add(r.name()));
    return names;
  }

  static List<Path> ruleTestFiles() {
    try (Stream<Path> files = Files.list(RULE_TESTS)) {
      return files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$", Pattern.DOTALL);

  /** A Grafana Prometheus variable query {@code label_values(selector, label)}. */
  record LabelValues(String selector, String label) {}

  static LabelValues labelValues(String query) {
    Matcher m = LABEL_VALUES.matcher(query);
    if (!m.matches()) return null;
    return new LabelValues(m.group(1).trim(), m.group(2));
  }

  /** The query text of a query variable, whichever of Grafana's two forms it is stored in. */
  static String variableQuery(JsonNode variable) {
    JsonNode q = variable.path("query");
    return q.isObject() ? q.path("query").asText() : q.asText();
  }

  /**
   * Replaces Grafana's variables the way Grafana does before a query leaves for Prometheus.
   * Every {@code $name}, {@code ${name}} and {@code [[name]]} must have a value.
   */
  static String substitute(String expr, Map<String, String> values) {
    Pattern var = Pattern.compile("\\$\\{([a-zA-Z0-9_]+)(?::[a-z]+)?}|\\$([a-zA-Z0-9_]+)|\\[\\[([a-zA-Z0-9_]+)]]");
    Matcher m = var.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = values.get(name);
      if (value == null) throw new IllegalArgumentException("no value for $" + name + " in: " + expr);
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Every query of a dashboard, named for messages: "Dashboard / Panel / A". */
  static Map<String, JsonNode> targets(Dashboard d) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode p : d.panels()) {
      for (JsonNode t : p.path("targets")) {
        out.put(d.title() + " / " + p.path("title").asText() + " / " + t.path("refId").asText(), t);
      }
    }
    return out;
  }
}

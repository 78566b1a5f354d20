package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks Grafana's dashboard linter (grafana/dashboard-linter) makes, implemented here since
 * the linter itself is not available, plus this project's own conventions. Each test collects
 * every violation, so one run lists them all.
 */
class DashboardLintTest {

  /** Stable uids: links, provisioning and users' bookmarks rely on them. */
  static final Map<String, String> UIDS = Map.of(
      "sessions-overview.json", "rum-sessions-overview",
      "processor-health.json", "rum-sessions-processor-health");

  /** Grafana 12's dashboard schema version; older Grafana migrates down-level dashboards up. */
  static final int CURRENT_SCHEMA_VERSION = 42;

  static final Set<String> PANEL_TYPES = Set.of("row", "timeseries", "stat", "table", "gauge");

  /** Units from Grafana's valueFormats categories (the ones the linter accepts). */
  static final Set<String> UNITS = Set.of(
      "none", "short", "percent", "percentunit", "locale", "sci",
      "bytes", "decbytes", "bits", "kbytes", "mbytes", "gbytes",
      "ns", "µs", "ms", "s", "m", "h", "d", "dtdurationms", "dtdurations", "clockms", "clocks",
      "hertz", "cps", "ops", "reqps", "rps", "wps", "iops", "cpm", "opm", "rpm", "wpm",
      "pps", "Bps", "binBps", "bps", "bool", "bool_yes_no", "bool_on_off",
      "dateTimeAsIso", "dateTimeFromNow");

  static List<Mixin.Dashboard> dashboards() {
    return Mixin.dashboards();
  }

  @Test
  void theTwoDashboardsArePresent() {
    assertThat(dashboards()).extracting(d -> d.file().getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(UIDS.keySet());
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void hasOneTemplatedPrometheusDatasourceNamedDatasource(Mixin.Dashboard d) {
    List<JsonNode> ds = d.variables().stream().filter(v -> "datasource".equals(v.path("type").asText())).toList();
    assertThat(ds).as("%s: datasource variables", d).hasSize(1);
    JsonNode v = ds.get(0);
    assertThat(v.path("name").asText()).as("%s: name of the datasource variable", d).isEqualTo("datasource");
    assertThat(v.path("label").asText()).as("%s: label of the datasource variable", d).isEqualTo("Data source");
    assertThat(v.path("query").asText()).as("%s: plugin of the datasource variable", d).isEqualTo("prometheus");
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void hasAMultiValueServiceNameVariable(Mixin.Dashboard d) {
    JsonNode v = d.variable("service_name");
    assertThat(v).as("%s: variable service_name", d).isNotNull();
    assertThat(v.path("type").asText()).isEqualTo("query");
    assertThat(v.path("multi").asBoolean()).as("%s: service_name is multi-value", d).isTrue();
    assertThat(v.path("includeAll").asBoolean()).as("%s: service_name has All", d).isTrue();
    assertThat(v.path("allValue").asText()).as("%s: All matches every service", d).isEqualTo(".*");
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void queryVariablesUseTheDatasourceVariableAndReloadOnTimeChange(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Set<String> recorded = Mixin.recordedNames();
    for (JsonNode v : d.variables()) {
      if (!"query".equals(v.path("type").asText())) continue;
      String name = v.path("name").asText();
      if (!"${datasource}".equals(v.path("datasource").path("uid").asText())) {
        problems.add(name + ": does not use ${datasource}");
      }
      if (v.path("refresh").asInt() != 2) problems.add(name + ": refresh is not 2 (on time range change)");
      if (!v.path("query").isTextual()) {
        problems.add(name + ": query must be the classic string form (the object form needs the editor's fields)");
      }
      Mixin.LabelValues lv = Mixin.labelValues(Mixin.variableQuery(v));
      if (lv == null) {
        problems.add(name + ": query is not label_values(selector, label)");
        continue;
      }
      if (!v.path("definition").asText().equals(Mixin.variableQuery(v))) {
        problems.add(name + ": definition differs from query");
      }
      for (PromQl.Selector s : PromQl.selectors(lv.selector())) {
        Set<String> labels = MetricContract.labelsOf(s.metric(), recorded);
        if (labels == null) {
          problems.add(name + ": unknown metric " + s.metric());
        } else if (!labels.contains(lv.label())) {
          problems.add(name + ": " + s.metric() + " has no label " + lv.label());
        }
      }
    }
    assertThat(problems).as("%s", d).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void everyPanelAndQueryUsesTheDatasourceVariable(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    for (JsonNode p : d.panels()) {
      String title = p.path("title").asText();
      if (!isTemplatedPrometheus(p.path("datasource"))) problems.add(title + ": panel datasource " + p.path("datasource"));
      if (p.path("targets").isEmpty()) problems.add(title + ": no queries");
      for (JsonNode t : p.path("targets")) {
        if (!isTemplatedPrometheus(t.path("datasource"))) {
          problems.add(title + " / " + t.path("refId").asText() + ": query datasource " + t.path("datasource"));
        }
      }
    }
    assertThat(problems).as("%s", d).isEmpty();
  }

  private static boolean isTemplatedPrometheus(JsonNode ds) {
    return "prometheus".equals(ds.path("type").asText()) && "${datasource}".equals(ds.path("uid").asText());
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void everyPanelHasAKnownTypeAUniqueTitleADescriptionAndAValidUnit(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Set<String> titles = new HashSet<>();
    for (JsonNode p : d.panels()) {
      String title = p.path("title").asText();
      if (!PANEL_TYPES.contains(p.path("type").asText())) problems.add(title + ": panel type " + p.path("type"));
      if (title.isBlank()) problems.add("a panel without title: " + p.path("id"));
      if (!titles.add(title)) problems.add(title + ": title used twice");
      if (p.path("description").asText().isBlank()) problems.add(title + ": no description");
      String unit = p.path("fieldConfig").path("defaults").path("unit").asText();
      if (!UNITS.contains(unit)) problems.add(title + ": unit '" + unit + "' missing or unknown");
      for (JsonNode o : p.path("fieldConfig").path("overrides")) {
        for (JsonNode prop : o.path("properties")) {
          if ("unit".equals(prop.path("id").asText()) && !UNITS.contains(prop.path("value").asText())) {
            problems.add(title + ": override unit '" + prop.path("value").asText() + "' unknown");
          }
        }
      }
    }
    assertThat(problems).as("%s", d).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void queriesParseAndReadOnlyContractMetricsAndLabels(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Set<String> recorded = Mixin.recordedNames();
    Mixin.targets(d).forEach((name, t) -> {
      String expr = t.path("expr").asText();
      if (expr.isBlank()) {
        problems.add(name + ": empty query");
        return;
      }
      List<PromQl.Selector> selectors;
      try {
        selectors = PromQl.selectors(expr);
      } catch (IllegalArgumentException e) {
        problems.add(name + ": " + e.getMessage());
        return;
      }
      if (selectors.isEmpty()) problems.add(name + ": reads no metric");
      for (PromQl.Selector s : selectors) {
        Set<String> labels = MetricContract.labelsOf(s.metric(), recorded);
        if (labels == null) {
          problems.add(name + ": metric " + s.metric() + " is not in the contract nor recorded");
          continue;
        }
        for (String label : s.matchers().keySet()) {
          if (!labels.contains(label)) problems.add(name + ": " + s.metric() + " has no label " + label);
        }
      }
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void rateQueriesUseRateInterval(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Mixin.targets(d).forEach((name, t) -> {
      for (PromQl.Selector s : PromQl.selectors(t.path("expr").asText())) {
        boolean rate = "rate".equals(s.function()) || "irate".equals(s.function());
        if (rate && !"$__rate_interval".equals(s.range())) {
          problems.add(name + ": " + s.function() + "(" + s.metric() + "[" + s.range() + "]) should use $__rate_interval");
        }
      }
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void countersAndHistogramSeriesAreReadThroughRateOrIncrease(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Mixin.targets(d).forEach((name, t) -> {
      for (PromQl.Selector s : PromQl.selectors(t.path("expr").asText())) {
        String m = s.metric();
        boolean cumulative = !m.contains(":")
            && (m.endsWith("_total") || m.endsWith("_bucket") || m.endsWith("_sum") || m.endsWith("_count"));
        boolean rated = s.range() != null && Set.of("rate", "irate", "increase").contains(s.function());
        if (cumulative && !rated) problems.add(name + ": " + m + " is cumulative and not inside rate/increase");
      }
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  /**
   * Every query honours the dashboard's filter variables: a selector of a metric that carries
   * the label service_name (job, instance) filters it with =~"$service_name" ("$job",
   * "$instance"), so choosing a service narrows every panel.
   */
  @ParameterizedTest
  @MethodSource("dashboards")
  void queriesFilterByTheDashboardVariables(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Set<String> recorded = Mixin.recordedNames();
    List<String> filters = new ArrayList<>();
    for (String label : List.of("service_name", "job", "instance")) {
      if (d.variable(label) != null) filters.add(label);
    }
    Set<String> excluded = excludedPanels("target-filter-variables-rule", d);
    Mixin.targets(d).forEach((name, t) -> {
      if (excluded.contains(name.substring(0, name.lastIndexOf(" / ")))) return;
      for (PromQl.Selector s : PromQl.selectors(t.path("expr").asText())) {
        Set<String> labels = MetricContract.labelsOf(s.metric(), recorded);
        if (labels == null) continue;
        for (String label : filters) {
          if (labels.contains(label) && !s.hasMatcher(label, "=~", "$" + label)) {
            problems.add(name + ": " + s.metric() + " lacks " + label + "=~\"$" + label + "\"");
          }
        }
      }
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  /** "Dashboard / Panel" names excluded from a rule by grafana/.lint, each with a reason. */
  static Set<String> excludedPanels(String rule, Mixin.Dashboard d) {
    Set<String> out = new HashSet<>();
    for (JsonNode e : Mixin.yaml(Mixin.GRAFANA.resolve(".lint")).path("exclusions").path(rule).path("entries")) {
      assertThat(e.path("reason").asText()).as(".lint: %s entry without reason", rule).isNotBlank();
      if (e.path("dashboard").asText().equals(d.title())) out.add(d.title() + " / " + e.path("panel").asText());
    }
    return out;
  }

  @Test
  void lintExclusionsNameExistingPanels() {
    Set<String> panels = new HashSet<>();
    for (Mixin.Dashboard d : dashboards()) d.panels().forEach(p -> panels.add(d.title() + " / " + p.path("title").asText()));
    List<String> stale = new ArrayList<>();
    Mixin.yaml(Mixin.GRAFANA.resolve(".lint")).path("exclusions").forEach(rule -> rule.path("entries").forEach(e -> {
      String name = e.path("dashboard").asText() + " / " + e.path("panel").asText();
      if (!panels.contains(name)) stale.add(name);
    }));
    assertThat(stale).as(".lint entries naming no panel").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void hasAStableUidACurrentSchemaAndIsProvisionable(Mixin.Dashboard d) {
    JsonNode j = d.json();
    String file = d.file().getFileName().toString();
    assertThat(d.uid()).as("%s: uid", d).isEqualTo(UIDS.get(file)).matches("[a-zA-Z0-9_-]{1,40}");
    assertThat(j.path("id").isNull()).as("%s: id must be null so Grafana assigns its own", d).isTrue();
    assertThat(j.path("schemaVersion").asInt()).as("%s: schemaVersion", d).isEqualTo(CURRENT_SCHEMA_VERSION);
    assertThat(j.path("title").asText()).as("%s: title", d).startsWith("RUM sessions / ");
    assertThat(j.path("description").asText()).as("%s: description", d).isNotBlank();
    assertThat(j.path("tags")).as("%s: tags", d).extracting(JsonNode::asText).contains("rum-sessions");
    assertThat(j.path("editable").asBoolean(true)).as("%s: dashboards are code: not editable", d).isFalse();
    assertThat(j.path("time").path("from").asText()).isNotBlank();
  }

  @Test
  void uidsAreUniqueAcrossDashboards() {
    assertThat(dashboards()).extracting(Mixin.Dashboard::uid).doesNotHaveDuplicates();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void panelsHaveUniqueIdsAndDoNotOverlap(Mixin.Dashboard d) {
    List<String> problems = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode p : d.json().path("panels")) {
      String title = p.path("title").asText();
      if (!ids.add(p.path("id").asInt())) problems.add(title + ": id " + p.path("id") + " used twice");
      JsonNode g = p.path("gridPos");
      int x = g.path("x").asInt(), y = g.path("y").asInt(), w = g.path("w").asInt(), h = g.path("h").asInt();
      if (w < 1 || h < 1 || x < 0 || x + w > 24) problems.add(title + ": gridPos " + g);
      for (int[] b : boxes) {
        if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) {
          problems.add(title + ": overlaps another panel at " + g);
        }
      }
      boxes.add(new int[] {x, y, w, h});
    }
    assertThat(problems).as("%s", d).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void theReadmeDescribesEveryPanel(Mixin.Dashboard d) throws IOException {
    String readme = Files.readString(Mixin.README);
    List<String> missing = d.panels().stream()
        .map(p -> p.path("title").asText())
        .filter(t -> !readme.contains("**" + t + "**"))
        .toList();
    assertThat(missing).as("%s: panels without a **Title** entry in README.md", d).isEmpty();
  }
}

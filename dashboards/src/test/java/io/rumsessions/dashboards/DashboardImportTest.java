package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dashboards import both ways Grafana offers:
 *
 * <ul>
 *   <li>Import (UI or API): Grafana asks for a value of each {@code __inputs} entry and replaces
 *       {@code ${DS_PROMETHEUS}} everywhere in the JSON text with the chosen data source's uid.
 *   <li>File provisioning: the JSON is loaded as it is, with nothing replaced. The only place
 *       {@code ${DS_PROMETHEUS}} may appear is the current value of the data source variable,
 *       which Grafana replaces with the default data source when it matches none.
 * </ul>
 *
 * Either way every panel and query reads {@code ${datasource}}, so the variable switches them all.
 */
class DashboardImportTest {

  static final Set<String> GRAFANA_GLOBALS = Set.of(
      "__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms",
      "__dashboard", "__from", "__to", "__all");

  static List<Mixin.Dashboard> dashboards() {
    return Mixin.dashboards();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void declaresThePrometheusInputGrafanaImportAsksFor(Mixin.Dashboard d) {
    JsonNode inputs = d.json().path("__inputs");
    assertThat(inputs).as("%s: __inputs", d).hasSize(1);
    JsonNode in = inputs.get(0);
    assertThat(in.path("name").asText()).isEqualTo("DS_PROMETHEUS");
    assertThat(in.path("type").asText()).isEqualTo("datasource");
    assertThat(in.path("pluginId").asText()).isEqualTo("prometheus");

    Set<String> required = new TreeSet<>();
    d.json().path("__requires").forEach(r -> required.add(r.path("type").asText() + ":" + r.path("id").asText()));
    assertThat(required).contains("grafana:grafana", "datasource:prometheus");
    for (JsonNode p : d.panels()) {
      assertThat(required).as("%s: __requires lists panel type", d).contains("panel:" + p.path("type").asText());
    }
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void importReplacesTheInputAndLeavesEveryPanelOnTheDatasourceVariable(Mixin.Dashboard d) throws Exception {
    String chosenUid = "P1809F7CD0C75ACF3";
    String imported = d.text().replace("${DS_PROMETHEUS}", chosenUid);
    JsonNode j = Mixin.JSON.readTree(imported);

    assertThat(imported).as("%s: unresolved input after import", d).doesNotContain("${DS_");
    JsonNode ds = new Mixin.Dashboard(d.file(), imported, j).variable("datasource");
    assertThat(ds.path("current").path("value").asText()).isEqualTo(chosenUid);

    List<String> datasourceUids = new ArrayList<>();
    collectDatasourceUids(j.path("panels"), datasourceUids);
    collectDatasourceUids(j.path("templating"), datasourceUids);
    assertThat(datasourceUids).as("%s: data source references", d).isNotEmpty().containsOnly("${datasource}");
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void provisioningFindsTheInputOnlyWhereGrafanaFallsBackToTheDefaultDatasource(Mixin.Dashboard d) {
    List<String> paths = new ArrayList<>();
    findStrings(d.json(), "", "${DS_PROMETHEUS}", paths);
    int dsIndex = d.variables().indexOf(d.variable("datasource"));
    String current = "/templating/list/" + dsIndex + "/current/";
    assertThat(paths).as("%s: where ${DS_PROMETHEUS} occurs", d)
        .containsExactlyInAnyOrder(current + "text", current + "value");
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void everyVariableAQueryUsesIsDeclaredBeforeItIsUsed(Mixin.Dashboard d) {
    List<String> declared = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode v : d.variables()) {
      if ("query".equals(v.path("type").asText())) {
        for (String used : variablesIn(Mixin.variableQuery(v))) {
          if (!declared.contains(used)) problems.add("variable " + v.path("name").asText() + " uses $" + used);
        }
      }
      declared.add(v.path("name").asText());
    }
    Mixin.targets(d).forEach((name, t) -> {
      for (String used : variablesIn(t.path("expr").asText())) {
        if (!declared.contains(used) && !GRAFANA_GLOBALS.contains(used)) problems.add(name + " uses $" + used);
      }
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  @Test
  void dashboardProviderLoadsFilesIntoOneFolder() {
    JsonNode p = Mixin.yaml(Mixin.GRAFANA.resolve("provisioning/dashboards/rum-sessions.yaml"));
    assertThat(p.path("apiVersion").asInt()).isEqualTo(1);
    JsonNode provider = p.path("providers").get(0);
    assertThat(provider.path("type").asText()).isEqualTo("file");
    assertThat(provider.path("folder").asText()).isNotBlank();
    assertThat(provider.path("options").path("path").asText()).startsWith("/");
  }

  @Test
  void datasourceProvisioningDeclaresADefaultPrometheusWithItsScrapeInterval() {
    JsonNode p = Mixin.yaml(Mixin.GRAFANA.resolve("provisioning/datasources/prometheus.yaml"));
    assertThat(p.path("apiVersion").asInt()).isEqualTo(1);
    JsonNode ds = p.path("datasources").get(0);
    assertThat(ds.path("type").asText()).isEqualTo("prometheus");
    assertThat(ds.path("isDefault").asBoolean()).isTrue();
    assertThat(ds.path("jsonData").path("timeInterval").asText())
        .as("$__rate_interval needs the scrape interval").isNotBlank();
  }

  private static final Pattern VAR = Pattern.compile("\\$\\{([a-zA-Z0-9_]+)(?::[a-z]+)?}|\\$([a-zA-Z0-9_]+)");

  static Set<String> variablesIn(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = VAR.matcher(text);
    while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2));
    return out;
  }

  private static void collectDatasourceUids(JsonNode n, List<String> out) {
    if (n.isObject()) {
      JsonNode ds = n.get("datasource");
      if (ds != null && ds.isObject() && !"grafana".equals(ds.path("type").asText())) out.add(ds.path("uid").asText());
      n.fields().forEachRemaining(e -> collectDatasourceUids(e.getValue(), out));
    } else if (n.isArray()) {
      n.forEach(c -> collectDatasourceUids(c, out));
    }
  }

  private static void findStrings(JsonNode n, String path, String needle, List<String> out) {
    if (n.isTextual() && n.asText().contains(needle)) out.add(path);
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) n::fields) {
        findStrings(e.getValue(), path + "/" + e.getKey(), needle, out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) findStrings(n.get(i), path + "/" + i, needle, out);
    }
  }
}

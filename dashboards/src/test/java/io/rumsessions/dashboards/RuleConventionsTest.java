package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Conventions of the rule files that promtool does not check: every alert is documented and
 * unit-tested both ways, rule names say what they keep, and rules read only contract metrics.
 */
class RuleConventionsTest {

  @Test
  void everyAlertHasASeverityASummaryADescriptionAndARunbookSection() throws IOException {
    String readme = Files.readString(Mixin.README);
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule a : Mixin.alerts()) {
      JsonNode n = a.node();
      String severity = n.path("labels").path("severity").asText();
      if (!Set.of("warning", "critical").contains(severity)) problems.add(a + ": severity '" + severity + "'");
      if (n.path("for").asText().isBlank()) problems.add(a + ": no 'for' duration");
      for (String annotation : List.of("summary", "description")) {
        if (n.path("annotations").path(annotation).asText().isBlank()) problems.add(a + ": no " + annotation);
      }
      String anchor = a.name().toLowerCase(Locale.ROOT);
      if (!n.path("annotations").path("runbook_url").asText().equals("dashboards/README.md#" + anchor)) {
        problems.add(a + ": runbook_url is not dashboards/README.md#" + anchor);
      }
      if (!readme.contains("\n### " + a.name() + "\n")) problems.add(a + ": no '### " + a.name() + "' runbook section in README.md");
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyAlertHasAUnitTestWhereItFiresAndOneWhereItStaysSilent() {
    Map<String, Integer> firing = new HashMap<>();
    Map<String, Integer> silent = new HashMap<>();
    for (Path f : Mixin.ruleTestFiles()) {
      for (JsonNode test : Mixin.yaml(f).path("tests")) {
        for (JsonNode t : test.path("alert_rule_test")) {
          String name = t.path("alertname").asText();
          (t.path("exp_alerts").isEmpty() ? silent : firing).merge(name, 1, Integer::sum);
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule a : Mixin.alerts()) {
      if (!firing.containsKey(a.name())) problems.add(a + ": no test where it fires");
      if (!silent.containsKey(a.name())) problems.add(a + ": no test where it stays silent");
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyRecordedRatioHasAUnitTestOfItsValue() {
    Set<String> tested = new HashSet<>();
    for (Path f : Mixin.ruleTestFiles()) {
      for (JsonNode test : Mixin.yaml(f).path("tests")) {
        for (JsonNode t : test.path("promql_expr_test")) tested.addAll(PromQl.metricNames(t.path("expr").asText()));
      }
    }
    List<String> untested = Mixin.recordingRules().stream()
        .map(Mixin.Rule::name).filter(n -> n.contains(":ratio_")).filter(n -> !tested.contains(n)).toList();
    assertThat(untested).as("recorded ratios without a promql_expr_test").isEmpty();
  }

  @Test
  void recordingRuleNamesFollowLevelMetricOperations() {
    for (Mixin.Rule r : Mixin.recordingRules()) {
      assertThat(r.name()).matches("[a-z_]+:[a-z_]+:[a-z0-9_]+");
      assertThat(MetricContract.levelLabels(r.name())).as("%s: level labels", r).isNotEmpty();
    }
  }

  @Test
  void recordingRulesReadOnlySeriesRecordedBeforeThemInTheSameGroup() {
    List<String> problems = new ArrayList<>();
    Map<String, String> groupOf = new HashMap<>();
    Set<String> all = Mixin.recordedNames();
    for (Mixin.Rule r : Mixin.recordingRules()) {
      for (String used : PromQl.metricNames(r.expr())) {
        if (!all.contains(used)) continue;
        if (!r.group().equals(groupOf.get(used))) {
          problems.add(r + " reads " + used + ", which is not recorded before it in group " + r.group());
        }
      }
      groupOf.put(r.name(), r.group());
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void rulesReadOnlyContractMetricsAndTheirLabels() {
    Set<String> recorded = Mixin.recordedNames();
    List<String> problems = new ArrayList<>();
    List<Mixin.Rule> rules = new ArrayList<>(Mixin.recordingRules());
    rules.addAll(Mixin.alerts());
    for (Mixin.Rule r : rules) {
      for (PromQl.Selector s : PromQl.selectors(r.expr())) {
        Set<String> labels = MetricContract.labelsOf(s.metric(), recorded);
        if (labels == null) {
          problems.add(r + ": unknown metric " + s.metric());
          continue;
        }
        for (String label : s.matchers().keySet()) {
          if (!labels.contains(label)) problems.add(r + ": " + s.metric() + " has no label " + label);
        }
        boolean cumulative = !s.metric().contains(":") && s.metric().endsWith("_total");
        if (cumulative && (s.range() == null || !Set.of("rate", "increase").contains(s.function()))) {
          problems.add(r + ": counter " + s.metric() + " not inside rate/increase");
        }
      }
    }
    assertThat(problems).isEmpty();
  }
}

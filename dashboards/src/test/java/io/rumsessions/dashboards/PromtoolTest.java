package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prometheus' own tool checks the rule files and runs their unit tests (prometheus/tests/*.yml).
 * Without promtool these tests fail: they are the proof the rules work.
 */
class PromtoolTest {

  @Test
  void ruleFilesPassPromtoolCheckRules() {
    Tools.Result r = Tools.run(Mixin.PROMETHEUS, 60, Tools.promtool().toString(), "check", "rules",
        Mixin.RECORDING_RULES.toString(), Mixin.ALERTS.toString());
    assertThat(r.exitCode()).as("promtool check rules:%n%s", r.output()).isZero();
  }

  @Test
  void ruleUnitTestsPassPromtoolTestRules() {
    List<String> cmd = new ArrayList<>(List.of(Tools.promtool().toString(), "test", "rules"));
    Mixin.ruleTestFiles().forEach(f -> cmd.add(f.toString()));
    assertThat(cmd).as("rule test files").hasSizeGreaterThan(3);
    Tools.Result r = Tools.run(Mixin.RULE_TESTS, 300, cmd.toArray(String[]::new));
    assertThat(r.exitCode()).as("promtool test rules:%n%s", r.output()).isZero();
    assertThat(r.output()).doesNotContain("FAILED");
  }

  @Test
  void exampleConfigPassesPromtoolCheckConfigWithTheRuleFiles() {
    Path config = Mixin.PROMETHEUS.resolve("prometheus.example.yml");
    Tools.Result r = Tools.run(Mixin.PROMETHEUS, 60, Tools.promtool().toString(), "check", "config", config.toString());
    assertThat(r.exitCode()).as("promtool check config:%n%s", r.output()).isZero();
    assertThat(r.output()).contains("recording-rules.yml").contains("alerts.yml");
  }
}

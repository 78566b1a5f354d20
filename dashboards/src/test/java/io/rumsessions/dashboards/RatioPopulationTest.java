package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every ratio of the dashboards and rules divides like by like (see {@link Ratios} and README.md,
 * "Which sessions a ratio counts"): nothing divides by sessions started without subtracting the
 * ones later reclassified as bots, nothing mixes sessions counted as they end with sessions
 * counted as they start, and both sides are narrowed by the same filters. Exclusions are listed,
 * with their reason, under ratio-population-rule in grafana/.lint.
 */
class RatioPopulationTest {

  static List<Mixin.Dashboard> dashboards() {
    return Mixin.dashboards();
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void panelRatiosDivideOnePopulationByItself(Mixin.Dashboard d) {
    Set<String> excluded = DashboardLintTest.excludedPanels("ratio-population-rule", d);
    List<String> problems = new ArrayList<>();
    Mixin.targets(d).forEach((name, t) -> {
      if (excluded.contains(name.substring(0, name.lastIndexOf(" / ")))) return;
      Ratios.problems(t.path("expr").asText()).forEach(p -> problems.add(name + ": " + p));
    });
    assertThat(problems).as("%s", d).isEmpty();
  }

  @Test
  void ruleRatiosDivideOnePopulationByItself() {
    List<Mixin.Rule> rules = new ArrayList<>(Mixin.recordingRules());
    rules.addAll(Mixin.alerts());
    List<String> problems = new ArrayList<>();
    for (Mixin.Rule r : rules) Ratios.problems(r.expr()).forEach(p -> problems.add(r + ": " + p));
    assertThat(problems).isEmpty();
  }

  /** The exclusion is still needed: without it, the panel would fail the check. */
  @Test
  void theExcludedPanelsReallyMixPopulations() {
    List<String> notNeeded = new ArrayList<>();
    for (Mixin.Dashboard d : dashboards()) {
      Set<String> excluded = DashboardLintTest.excludedPanels("ratio-population-rule", d);
      Mixin.targets(d).forEach((name, t) -> {
        String panel = name.substring(0, name.lastIndexOf(" / "));
        if (excluded.contains(panel) && Ratios.problems(t.path("expr").asText()).isEmpty()) notNeeded.add(name);
      });
    }
    assertThat(notNeeded).as("excluded queries that pass the check anyway").isEmpty();
  }

  // ------------------------------------------------------------------ the check itself

  /**
   * Ratios this project shipped before issue #19 (and the mistakes next to them): each is
   * flagged. If the check stopped seeing one, the two tests above would prove nothing.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      // Bot share stat: bots / (bots + started); a reclassified session is counted twice.
      "(sum(increase(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__range])) or 0 * sum(increase(rum_sessions_started_total{service_name=~\"$service_name\"}[$__range])))"
          + " / (sum(increase(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__range])) + sum(increase(rum_sessions_started_total{service_name=~\"$service_name\"}[$__range]))"
          + " or sum(increase(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__range])) or sum(increase(rum_sessions_started_total{service_name=~\"$service_name\"}[$__range])))",
      // Bot share by reason.
      "sum by (reason) (rate(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__rate_interval])) / on () group_left ()"
          + " (sum(rate(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__rate_interval]))"
          + " + (sum(rate(rum_sessions_started_total{service_name=~\"$service_name\"}[$__rate_interval])) or 0 * sum(rate(rum_bot_sessions_total{service_name=~\"$service_name\"}[$__rate_interval]))))",
      // Top campaigns, share of sessions: campaign sessions / all sessions started.
      "topk(20, sum by (source, medium, campaign) (increase(rum_campaign_sessions_total{service_name=~\"$service_name\"}[$__range])))"
          + " / scalar(sum(increase(rum_sessions_started_total{service_name=~\"$service_name\"}[$__range])))",
      // Conversion rate by channel: conversions per started session.
      "(sum by (channel) (rate(rum_conversions_total{service_name=~\"$service_name\", channel=~\"$channel\"}[$__rate_interval]))"
          + " or 0 * sum by (channel) (rate(rum_sessions_started_total{service_name=~\"$service_name\", channel=~\"$channel\", device=~\"$device\"}[$__rate_interval])))"
          + " / sum by (channel) (rate(rum_sessions_started_total{service_name=~\"$service_name\", channel=~\"$channel\", device=~\"$device\"}[$__rate_interval]))",
      // The recorded bot share and conversion rate.
      "service_name:rum_bot_sessions:rate5m / ((service_name:rum_bot_sessions:rate5m"
          + " + (service_name:rum_sessions_started:rate5m or 0 * service_name:rum_bot_sessions:rate5m)) > 0)",
      "(service_name_channel:rum_conversions:rate5m or 0 * sum by (service_name, channel) (service_name_channel_device:rum_sessions_started:rate5m))"
          + " / (sum by (service_name, channel) (service_name_channel_device:rum_sessions_started:rate5m) > 0)",
      // Bounce rate over started sessions, even human ones: ended and started sessions differ.
      "sum(rate(rum_session_bounces_total[5m])) / sum(rate(rum_sessions_started_total[5m]))",
      "sum(rate(rum_session_bounces_total[5m])) / (sum(rate(rum_sessions_started_total[5m])) - sum(rate(rum_sessions_reclassified_total[5m])))",
      "service_name:rum_sessions_engaged:rate5m / service_name:rum_human_sessions_started:rate5m",
      // Reclassified subtracted from one started term, but the other still counts bots.
      "sum(rate(rum_bot_sessions_total[5m])) / (sum(rate(rum_bot_sessions_total[5m])) + (sum(rate(rum_sessions_started_total[5m]))"
          + " - sum(rate(rum_sessions_reclassified_total[5m]))) + sum(rate(rum_sessions_started_total[5m])))",
      // Precedence: only "started" is the divisor here, the subtraction comes after the division.
      "sum(rate(rum_bot_sessions_total[5m])) / sum(rate(rum_sessions_started_total[5m])) - sum(rate(rum_sessions_reclassified_total[5m]))",
      // Conversions of every device per ended session of the chosen devices.
      "sum(rate(rum_conversions_total{channel=~\"$channel\"}[5m])) / sum(rate(rum_sessions_ended_total{channel=~\"$channel\", device=~\"$device\"}[5m]))",
  })
  void flagsRatiosOfDifferentPopulations(String expr) {
    assertThat(Ratios.problems(expr)).as(expr).isNotEmpty();
  }

  /** Ratios of one population pass, whatever their shape. */
  @ParameterizedTest
  @ValueSource(strings = {
      "sum(rate(rum_session_bounces_total{device=~\"$device\"}[5m])) / sum(rate(rum_sessions_ended_total{device=~\"$device\"}[5m]))",
      "sum(rate(rum_bot_sessions_total[5m])) / (sum(rate(rum_bot_sessions_total[5m]))"
          + " + clamp_min(sum(rate(rum_sessions_started_total[5m])) - (sum(rate(rum_sessions_reclassified_total[5m])) or 0 * sum(rate(rum_sessions_started_total[5m]))), 0))",
      "service_name:rum_bot_sessions:rate5m / ((service_name:rum_bot_sessions:rate5m"
          + " + (service_name:rum_human_sessions_started:rate5m or 0 * service_name:rum_bot_sessions:rate5m)) > 0)",
      "(sum(rate(rum_conversions_total[5m])) or 0 * sum(rate(rum_sessions_started_total[5m]))) / sum(rate(rum_sessions_ended_total[5m]))",
      "sum(rate(rum_spans_received_total{outcome!~\"accepted|bot\"}[5m])) / sum(rate(rum_spans_received_total[5m]))",
  })
  void acceptsRatiosOfOnePopulation(String expr) {
    assertThat(Ratios.problems(expr)).as(expr).isEmpty();
  }

  @Test
  void findsTheOperandsOfEachOperatorByPrecedence() {
    String e = "a + b / on (x) group_left () c * d - e or f";
    List<String> found = Ratios.binaries(e).stream()
        .map(b -> "[" + e.substring(b.leftStart(), b.leftEnd()) + "] " + b.op() + " [" + e.substring(b.rightStart(), b.rightEnd()) + "]")
        .toList();
    assertThat(found).containsExactly(
        "[a] + [b / on (x) group_left () c * d]",
        "[b] / [on (x) group_left () c]",
        "[b / on (x) group_left () c] * [d]",
        "[a + b / on (x) group_left () c * d] - [e]",
        "[a + b / on (x) group_left () c * d - e] or [f]");
  }
}

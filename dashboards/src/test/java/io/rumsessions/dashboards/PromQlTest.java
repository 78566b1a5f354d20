package io.rumsessions.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The selector scanner the lint and live tests rely on. */
class PromQlTest {

  @Test
  void findsTheSelectorsOfAnAggregatedRatioWithTheirRangeAndFunction() {
    List<PromQl.Selector> s = PromQl.selectors(
        "sum by (channel) (rate(rum_session_bounces_total{service_name=~\"$service_name\"}[$__rate_interval]))"
            + " / sum by (channel) (increase(rum_sessions_ended_total[1h] offset 1w))");
    assertThat(s).extracting(PromQl.Selector::metric)
        .containsExactly("rum_session_bounces_total", "rum_sessions_ended_total");
    assertThat(s.get(0).range()).isEqualTo("$__rate_interval");
    assertThat(s.get(0).function()).isEqualTo("rate");
    assertThat(s.get(0).hasMatcher("service_name", "=~", "$service_name")).isTrue();
    assertThat(s.get(1).function()).isEqualTo("increase");
    assertThat(s.get(1).range()).isEqualTo("1h");
  }

  @Test
  void groupingLabelsKeywordsAndFunctionsAreNotMetrics() {
    assertThat(PromQl.metricNames(
        "histogram_quantile(0.9, sum by (le, device) (rate(x_bucket[5m])))"
            + " and on (service_name) group_left () topk(20, y) > bool 0 or vector(0) unless absent(up{job=\"a\"})"))
        .containsExactlyInAnyOrder("x_bucket", "y", "up");
  }

  @Test
  void recordedSeriesNamesWithColonsAreSelectors() {
    PromQl.Selector s = PromQl.selectors("avg_over_time(service_name:rum_session_bounce:ratio_rate5m[1d] offset 1h)").get(0);
    assertThat(s.metric()).isEqualTo("service_name:rum_session_bounce:ratio_rate5m");
    assertThat(s.function()).isEqualTo("avg_over_time");
  }

  @Test
  void aSelectorAfterAnAggregationsGroupingIsTheAggregationsArgument() {
    PromQl.Selector s = PromQl.selectors("sum by (instance) (rum_sessions_active)").get(0);
    assertThat(s.function()).isEqualTo("sum");
    assertThat(s.range()).isNull();
  }

  @Test
  void rejectsUnbalancedParenthesesAndStrayVariables() {
    assertThatThrownBy(() -> PromQl.selectors("sum(rate(x[5m])")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PromQl.selectors("x * $factor")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PromQl.selectors("x{a=\"b\"")).isInstanceOf(IllegalArgumentException.class);
  }
}

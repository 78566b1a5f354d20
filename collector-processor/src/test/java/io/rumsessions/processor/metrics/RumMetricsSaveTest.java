package io.rumsessions.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.rumsessions.processor.session.EngagementRule;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class RumMetricsSaveTest {
  private static RumMetrics metrics(PrometheusRegistry registry) {
    return new RumMetrics(registry, new EngagementRule(Duration.ofSeconds(10)));
  }

  private static double value(PrometheusRegistry registry, String name, String... labels) {
    for (MetricSnapshot m : registry.scrape()) {
      if (!m.getMetadata().getPrometheusName().equals(name)) continue;
      for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) m).getDataPoints()) {
        if (p.getLabels().equals(Labels.of(labels))) return p.getValue();
      }
    }
    return Double.NaN;
  }

  @Test
  void savedCountersComeBackWithTheirValuesAndTheirZeroSeries() {
    PrometheusRegistry registry = new PrometheusRegistry();
    RumMetrics before = metrics(registry);
    before.browserService("shop");
    before.spans("shop", "accepted", 41);
    before.spans("shop", "duplicate", 2);
    before.botSpans("shop", "user_agent", 5);
    before.evicted("shop");
    SavedMetrics saved = before.save();
    // The zero series of the service are saved too, so that they exist again after a restart.
    assertThat(saved.counters()).anySatisfy(c -> {
      assertThat(c.name()).isEqualTo("rum_spans_received");
      assertThat(c.labels()).containsExactly("shop", "invalid");
      assertThat(c.value()).isZero();
    });
    // Increments after the save are not in it.
    before.spans("shop", "accepted", 1000);

    PrometheusRegistry again = new PrometheusRegistry();
    metrics(again).restore(saved);
    assertThat(value(again, "rum_spans_received", "service_name", "shop", "outcome", "accepted")).isEqualTo(41);
    assertThat(value(again, "rum_spans_received", "service_name", "shop", "outcome", "duplicate")).isEqualTo(2);
    assertThat(value(again, "rum_spans_received", "service_name", "shop", "outcome", "invalid")).isZero();
    assertThat(value(again, "rum_bot_spans", "service_name", "shop", "reason", "user_agent")).isEqualTo(5);
    assertThat(value(again, "rum_sessions_evicted", "service_name", "shop")).isEqualTo(1);
    assertThat(value(again, "rum_sessions_started", "service_name", "shop", "channel", "direct", "device", "mobile")).isZero();
    // Process counters are not state: they start again with the process.
    assertThat(saved.counters()).noneSatisfy(c -> assertThat(c.name()).isEqualTo("rum_receiver_requests"));
    assertThat(List.copyOf(metrics(new PrometheusRegistry()).save().counters())).isEmpty();
  }
}

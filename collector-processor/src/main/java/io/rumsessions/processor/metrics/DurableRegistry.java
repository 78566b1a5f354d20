package io.rumsessions.processor.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The registry /metrics scrapes, which shows only durable state: a scrape is read together with
 * the state (under its lock) and answered once what it shows is on disk. Otherwise a scrape
 * could see a request's increments before they were durable, and a crash just then would make
 * the counter go down again: Prometheus would take that for a reset and count the whole value
 * as an increase.
 */
public final class DurableRegistry extends PrometheusRegistry {
  private volatile UnaryOperator<Supplier<MetricSnapshots>> view = s -> s;

  /** @param view reads the snapshot consistently with the state and returns it once durable */
  public void view(java.util.function.Function<Supplier<MetricSnapshots>, MetricSnapshots> view) {
    this.view = s -> () -> view.apply(s);
  }

  @Override
  public MetricSnapshots scrape() {
    return view.apply(super::scrape).get();
  }

  @Override
  public MetricSnapshots scrape(PrometheusScrapeRequest request) {
    return view.apply(() -> super.scrape(request)).get();
  }

  @Override
  public MetricSnapshots scrape(Predicate<String> includedNames) {
    return view.apply(() -> super.scrape(includedNames)).get();
  }

  @Override
  public MetricSnapshots scrape(Predicate<String> includedNames, PrometheusScrapeRequest request) {
    return view.apply(() -> super.scrape(includedNames, request)).get();
  }
}

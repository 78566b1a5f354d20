package io.rumsessions.processor.metrics;

import java.util.List;
import java.util.Map;

/** The session and span counters and histograms as a checkpoint holds them. */
public record SavedMetrics(List<CounterValue> counters, Map<String, List<ClassicHistogram.Saved>> histograms) {
  /** One labelled counter series; {@code name} without the {@code _total} suffix, as client_java names it. */
  public record CounterValue(String name, List<String> labels, double value) {}

  public static final SavedMetrics NONE = new SavedMetrics(List.of(), Map.of());
}

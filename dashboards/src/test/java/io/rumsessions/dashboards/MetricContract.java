package io.rumsessions.dashboards;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metrics the processor exports, as the dashboards and rules may use them: name and labels
 * (besides {@code job} and {@code instance}, which Prometheus adds to every scraped series).
 * The static tests check queries against this table; {@link LivePrometheusTest} checks the table's
 * promise against what a running processor really exports.
 */
final class MetricContract {
  private MetricContract() {}

  static final Set<String> TARGET_LABELS = Set.of("job", "instance");

  /** Labels a recording rule's level prefix may name, e.g. service_name_channel. */
  static final List<String> LEVEL_LABELS =
      List.of("service_name", "channel", "device", "reason", "source", "medium", "campaign", "job", "instance",
          "kind", "transport");

  static final Map<String, Set<String>> SCRAPED = new LinkedHashMap<>();

  /** Metrics only the distributed mode (a Kafka Streams member) exports; an embedded processor has none of them. */
  static final Set<String> DISTRIBUTED_ONLY =
      Set.of("rum_kafka_streams_running", "rum_kafka_partitions", "rum_kafka_input_records_total");

  static {
    Set<String> scd = Set.of("service_name", "channel", "device");
    for (String counter : List.of(
        "rum_sessions_started_total", "rum_sessions_ended_total", "rum_session_bounces_total",
        "rum_sessions_engaged_total")) {
      SCRAPED.put(counter, scd);
    }
    SCRAPED.put("rum_sessions_evicted_total", Set.of("service_name"));
    SCRAPED.put("rum_spans_received_total", Set.of("service_name", "outcome"));
    SCRAPED.put("rum_bot_spans_total", Set.of("service_name", "reason"));
    SCRAPED.put("rum_bot_sessions_total", Set.of("service_name", "reason"));
    SCRAPED.put("rum_sessions_reclassified_total", Set.of("service_name"));
    SCRAPED.put("rum_backend_spans_total", Set.of("service_name", "outcome"));
    SCRAPED.put("rum_spans_keyed_without_user_agent_total", Set.of("service_name"));
    // Per campaign (source, medium, campaign attributed at session start; bounded values).
    Set<String> campaign = Set.of("service_name", "source", "medium", "campaign");
    SCRAPED.put("rum_campaign_sessions_total", campaign);
    SCRAPED.put("rum_campaign_sessions_ended_total", campaign);
    SCRAPED.put("rum_campaign_bounces_total", campaign);
    SCRAPED.put("rum_campaign_conversions_total", Set.of("service_name", "source", "medium", "campaign", "conversion"));
    SCRAPED.put("rum_conversions_total", Set.of("service_name", "conversion", "channel"));
    // Unique visitors (HLL estimates) and sessions by visitor type.
    SCRAPED.put("rum_visitors", Set.of("service_name", "window", "population"));
    SCRAPED.put("rum_visitor_sessions_total", Set.of("service_name", "visitor_type"));
    SCRAPED.put("rum_visitors_returning_filter_load_ratio", Set.of());
    SCRAPED.put("rum_receiver_requests_total", Set.of("transport", "outcome"));
    SCRAPED.put("rum_export_spans_total", Set.of("kind", "outcome"));
    histogram("rum_session_duration_seconds", scd);
    histogram("rum_session_pageviews", scd);
    histogram("rum_ingest_duration_seconds", Set.of("transport"));
    SCRAPED.put("rum_sessions_active", Set.of("service_name"));
    SCRAPED.put("rum_sessions_active_limit", Set.of());
    // The export queue (the state log from the export cursor on) and the durable state.
    SCRAPED.put("rum_export_queue_bytes", Set.of());
    SCRAPED.put("rum_export_queue_max_bytes", Set.of());
    SCRAPED.put("rum_export_queue_oldest_age_seconds", Set.of());
    SCRAPED.put("rum_export_retries_total", Set.of());
    SCRAPED.put("rum_state_log_bytes", Set.of());
    SCRAPED.put("rum_state_checkpoint_age_seconds", Set.of());
    SCRAPED.put("rum_state_checkpoints_total", Set.of("outcome"));
    SCRAPED.put("rum_state_log_failed", Set.of());
    SCRAPED.put("rum_state_log_records_total", Set.of());
    SCRAPED.put("rum_state_log_syncs_total", Set.of());
    histogram("rum_state_log_fsync_duration_seconds", Set.of());
    SCRAPED.put("rum_recent_span_ids", Set.of());
    // The distributed mode's own (DISTRIBUTED_ONLY).
    SCRAPED.put("rum_kafka_streams_running", Set.of());
    SCRAPED.put("rum_kafka_partitions", Set.of());
    SCRAPED.put("rum_kafka_input_records_total", Set.of("outcome"));
    // Prometheus client_java 1.x JVM instrumentation, and Prometheus' own per-target series.
    SCRAPED.put("jvm_memory_used_bytes", Set.of("area"));
    SCRAPED.put("jvm_memory_committed_bytes", Set.of("area"));
    SCRAPED.put("jvm_memory_max_bytes", Set.of("area"));
    SCRAPED.put("jvm_gc_collection_seconds_sum", Set.of("gc"));
    SCRAPED.put("jvm_gc_collection_seconds_count", Set.of("gc"));
    SCRAPED.put("jvm_threads_current", Set.of());
    SCRAPED.put("process_cpu_seconds_total", Set.of());
    SCRAPED.put("up", Set.of());
  }

  private static void histogram(String name, Set<String> labels) {
    Set<String> withLe = new java.util.HashSet<>(labels);
    withLe.add("le");
    SCRAPED.put(name + "_bucket", Set.copyOf(withLe));
    SCRAPED.put(name + "_sum", labels);
    SCRAPED.put(name + "_count", labels);
  }

  /** The labels a series of this name carries, or null for a name the contract does not know. */
  static Set<String> labelsOf(String metric, Set<String> recordedNames) {
    Set<String> scraped = SCRAPED.get(metric);
    if (scraped != null) {
      Set<String> all = new java.util.HashSet<>(scraped);
      all.addAll(TARGET_LABELS);
      return all;
    }
    if (recordedNames.contains(metric)) return levelLabels(metric);
    return null;
  }

  /** service_name_channel:rum_x:rate5m has labels service_name and channel. */
  static Set<String> levelLabels(String recorded) {
    String level = recorded.substring(0, recorded.indexOf(':'));
    Set<String> out = new java.util.HashSet<>();
    int pos = 0;
    while (pos < level.length()) {
      boolean matched = false;
      for (String label : LEVEL_LABELS) {
        if (level.startsWith(label, pos)) {
          out.add(label);
          pos += label.length();
          if (pos < level.length() && level.charAt(pos) == '_') pos++;
          matched = true;
          break;
        }
      }
      if (!matched) throw new IllegalArgumentException("unknown level label in " + recorded);
    }
    return out;
  }
}

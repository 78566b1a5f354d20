package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.Map;

/**
 * The distributed mode ({@code kafka.*}): one Kafka Streams application over the topic the
 * Collector's {@code kafka} exporter writes. Off unless {@code kafka.bootstrap} is set.
 *
 * @param bootstrap the brokers ({@code host:port,...}); empty: the embedded mode
 * @param inputTopic where the Collector's kafka exporter writes OTLP spans ({@code otlp_proto})
 * @param applicationId the Kafka Streams application id: instances with the same id share the work
 * @param partitions partitions of the topic spans are re-keyed into; fixed once the application ran
 * @param standbyReplicas warm copies of each partition's state on other instances, for fast failover
 * @param replicationFactor of the topics the application creates (-1: the broker's default)
 * @param tickInterval how often each input partition's time is sent to every session partition,
 *     so a quiet partition still ends its sessions
 * @param idleAfter an input partition with no span for this long lets time move on with the clock
 * @param commitInterval how often state, offsets and the visible counters are committed
 * @param properties Kafka Streams and client settings passed through as they are
 */
public record KafkaConfig(String bootstrap, String inputTopic, String applicationId, int partitions,
    int standbyReplicas, int replicationFactor, Duration tickInterval, Duration idleAfter, Duration commitInterval,
    Map<String, String> properties) {

  public boolean enabled() {
    return !bootstrap.isBlank();
  }

  /** The internal topic spans go through, re-keyed by visitor. */
  public String spansTopic() {
    return applicationId + "-spans-by-visitor";
  }

  /** The compacted topic holding the daily salts every instance uses. */
  public String saltsTopic() {
    return applicationId + "-salts";
  }

  /** The topic the partitions put session and forwarded spans in for the OTLP exporter. */
  public String exportsTopic() {
    return applicationId + "-exports";
  }

  /** The compacted topic holding each partition's unique-visitor sketches. */
  public String sketchesTopic() {
    return applicationId + "-visitor-sketches";
  }
}

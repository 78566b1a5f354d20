package io.rumsessions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.rumsessions.kafka.broker.KafkaBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Collector half of the distributed mode, with real parts only: a real Kafka broker
 * ({@link KafkaBroker}, KRaft, a child JVM) and the Collector built here with ocb running
 * {@code e2e/collector/collector-kafka.yaml}: otlp receiver → {@code resource/browser} → the
 * contrib {@code kafka} exporter (topic {@code otlp_spans}, {@code otlp_proto}), plus a second
 * {@code kafka} exporter with {@code partition_traces_by_id} into a topic of 3 partitions. What
 * the OpenTelemetry JS web SDK really sent from Chromium (the fixture's 6 requests) is posted to
 * the Collector as the browser posted it; a {@code read_committed} consumer reads both topics.
 *
 * <p>Proves (and e2e/README.md records, for the processor side of issue #20): each record value
 * is an OTLP {@code ExportTraceServiceRequest} in protobuf (= {@code TracesData} on the wire)
 * holding exactly the posted spans (ids, names, kinds, times, every span and resource
 * attribute), plus the browser's {@code client.address} and {@code user_agent.original} on the
 * resource; one record per post, with no key and no headers; with {@code partition_traces_by_id},
 * one record per trace, keyed by the trace id in lowercase hex, a trace's records on one partition;
 * the exporter created {@code otlp_spans} itself (the broker's {@code num.partitions}, 1).
 */
class KafkaExporterE2ETest {
  static final String ORIGIN = "https://shop.example.test";
  static final String TOPIC = "otlp_spans";
  static final String BY_TRACE_TOPIC = "otlp_spans_by_trace_id";
  static final int BROWSER_POSTS = 6;
  static final ObjectMapper JSON = new ObjectMapper();
  static final HexFormat HEX = HexFormat.of();

  @TempDir static Path dir;
  static E2eStack stack;
  static KafkaBroker broker;
  static final List<JsonNode> posted = new ArrayList<>();
  static final List<String> userAgents = new ArrayList<>();
  static List<ConsumerRecord<byte[], byte[]>> records;
  static List<ConsumerRecord<byte[], byte[]>> byTraceRecords;
  static long postStartedMillis;
  static long postEndedMillis;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** One span as the processor sees it: where it came from and everything it carries. */
  record SpanView(Map<String, String> resource, String scope, String traceId, String spanId, String parentSpanId,
      String name, int kind, long start, long end, Map<String, String> attributes) {}

  @BeforeAll
  @Timeout(value = 40, unit = TimeUnit.MINUTES) // a cold ocb build takes minutes on 2 cores
  static void startPostAndConsume() throws Exception {
    stack = new E2eStack(dir);
    Path collectorBinary = stack.buildCollector();
    broker = KafkaBroker.start(dir.resolve("kafka"));
    System.out.println("Kafka broker started in " + broker.lastStartTime().toMillis() + " ms at " + broker.bootstrap());
    // otlp_spans is left to the exporter to create (allow_auto_topic_creation, its default);
    // the by-trace-id topic gets 3 partitions, to see where a key sends a trace.
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(BY_TRACE_TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    int httpPort = E2eStack.freePort();
    Path config = stack.repo.resolve("e2e/collector/collector-kafka.yaml");
    stack.collectorCommand = List.of(collectorBinary.toString(), "--config=" + config);
    stack.collector = stack.started("collector", Map.of(
        "RUM_KAFKA_BROKERS", broker.bootstrap(),
        "RUM_COLLECTOR_HTTP_ENDPOINT", "127.0.0.1:" + httpPort,
        "RUM_CORS_ORIGIN", ORIGIN), stack.collectorCommand);
    stack.waitFor("the Collector to listen on " + httpPort, Duration.ofSeconds(30), () -> {
      stack.collector.assertAlive();
      return E2eStack.listening(httpPort);
    });

    // The SDK's requests, one after the other, as the browser posted them; then one post of two
    // of them together (two visitors' traces in one request, as a Collector's batch processor or
    // an SDK's batch would make): what partition_traces_by_id splits.
    Path fixture = stack.repo.resolve("collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl");
    List<JsonNode> captured = new ArrayList<>();
    for (String line : Files.readAllLines(fixture, StandardCharsets.UTF_8)) captured.add(JSON.readTree(line));
    assertThat(captured).hasSize(BROWSER_POSTS);
    postStartedMillis = System.currentTimeMillis();
    for (JsonNode c : captured) post(httpPort, c.path("body").asText(), c.path("hdr").path("User-Agent").asText());
    ObjectNode two = (ObjectNode) JSON.readTree(captured.get(0).path("body").asText());
    ((ArrayNode) two.path("resourceSpans")).addAll((ArrayNode) JSON.readTree(captured.get(4).path("body").asText()).path("resourceSpans"));
    post(httpPort, two.toString(), captured.get(0).path("hdr").path("User-Agent").asText());
    postEndedMillis = System.currentTimeMillis();

    records = consume(TOPIC, posted.size());
    int traces = 0;
    for (JsonNode body : posted) traces += spansOfJson(body).stream().map(SpanView::traceId).distinct().count();
    byTraceRecords = consume(BY_TRACE_TOPIC, traces);
  }

  static void post(int port, String body, String userAgent) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
            .header("Content-Type", "application/json").header("Origin", ORIGIN).header("User-Agent", userAgent)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("the Collector's answer: " + r.body() + "\n" + ExternalProcess.tail(stack.collector.log, 30))
        .isEqualTo(200);
    posted.add(JSON.readTree(body));
    userAgents.add(userAgent);
  }

  @AfterAll
  static void stop() {
    if (stack != null) stack.close();
    if (broker != null) {
      broker.close();
      System.out.println("---- kafka broker log (last lines) ----\n" + ExternalProcess.tail(broker.log(), 15));
    }
  }

  @Test
  void eachPostIsOneRecordWhoseValueIsTheOtlpRequestAsPosted() throws Exception {
    assertThat(records).as("one record per post, in order (one partition)").hasSize(posted.size());
    for (int i = 0; i < posted.size(); i++) {
      byte[] value = records.get(i).value();
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(value);
      // The same bytes read as TracesData: the two messages are one on the wire.
      assertThat(TracesData.parseFrom(value).getResourceSpansList()).isEqualTo(request.getResourceSpansList());
      List<SpanView> expected = new ArrayList<>();
      for (SpanView s : spansOfJson(posted.get(i))) expected.add(withBrowserResource(s, "127.0.0.1", userAgents.get(i)));
      assertThat(spansOfProto(request)).as("request %d", i).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  void theAttributesTheProcessorReadsArrived() throws Exception {
    List<SpanView> all = new ArrayList<>();
    // The browser's own posts (the last, merged one carries one post's User-Agent for two visitors).
    for (ConsumerRecord<byte[], byte[]> r : records.subList(0, BROWSER_POSTS)) all.addAll(spansOfProto(ExportTraceServiceRequest.parseFrom(r.value())));
    assertThat(all).isNotEmpty().allSatisfy(s -> {
      assertThat(s.attributes()).containsKey("session.id");
      assertThat(s.resource()).containsKeys("service.name", "client.address", "user_agent.original");
    });
    assertThat(all.stream().map(s -> s.attributes().get("session.id")).distinct()).as("three visitors").hasSize(3);
    assertThat(all).filteredOn(s -> s.name().equals("documentLoad"))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.attributes()).containsKeys("url.full", "user_agent.original"));
    assertThat(all).filteredOn(s -> s.name().equals("click")).isNotEmpty()
        .allSatisfy(s -> assertThat(s.attributes()).containsKeys("event_type", "url.full"));
    // The SDK's own user agent on the span is kept; the resource gets the request's header.
    assertThat(all).filteredOn(s -> s.attributes().containsKey("user_agent.original"))
        .allSatisfy(s -> assertThat(s.attributes().get("user_agent.original")).isEqualTo(s.resource().get("user_agent.original")));
  }

  @Test
  void recordsHaveNoKeyAndNoHeadersAndTheExporterCreatedTheTopic() throws Exception {
    assertThat(records).allSatisfy(r -> {
      assertThat(r.key()).as("key").isNull();
      assertThat(r.headers().toArray()).as("headers").isEmpty();
      assertThat(r.partition()).isZero();
      // The record's timestamp is when the Collector produced it, not the spans' event time.
      assertThat(r.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
      assertThat(r.timestamp()).isBetween(postStartedMillis, postEndedMillis);
    });
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
      int partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(TOPIC).partitions().size();
      assertThat(partitions).as("auto-created with the broker's num.partitions").isEqualTo(1);
    }
    System.out.println("otlp_spans: " + records.size() + " records, keys " + records.stream().map(r -> String.valueOf(r.key())).toList()
        + ", headers " + records.stream().map(r -> r.headers().toArray().length).toList()
        + ", value sizes " + records.stream().map(r -> r.value().length).toList());
  }

  @Test
  void partitionTracesByIdSplitsEachPostByTraceAndKeysItByTheHexTraceId() throws Exception {
    Map<String, Set<Integer>> partitionsOfTrace = new HashMap<>();
    List<SpanView> spans = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : byTraceRecords) {
      List<SpanView> inRecord = spansOfProto(ExportTraceServiceRequest.parseFrom(r.value()));
      Set<String> traceIds = inRecord.stream().map(SpanView::traceId).collect(Collectors.toSet());
      assertThat(traceIds).as("one trace per record").hasSize(1);
      String traceId = traceIds.iterator().next();
      assertThat(r.key()).as("key").isNotNull();
      assertThat(new String(r.key(), StandardCharsets.US_ASCII)).as("the key: the trace id in lowercase hex").isEqualTo(traceId);
      assertThat(r.headers().toArray()).as("headers").isEmpty();
      partitionsOfTrace.computeIfAbsent(traceId, t -> new TreeSet<>()).add(r.partition());
      spans.addAll(inRecord);
    }
    assertThat(partitionsOfTrace.values()).as("each trace on one partition").allSatisfy(p -> assertThat(p).hasSize(1));
    assertThat(byTraceRecords).as("the last post (two traces) became two records").hasSize(posted.size() + 1);
    List<SpanView> expected = new ArrayList<>();
    for (int i = 0; i < posted.size(); i++) {
      for (SpanView s : spansOfJson(posted.get(i))) expected.add(withBrowserResource(s, "127.0.0.1", userAgents.get(i)));
    }
    assertThat(spans).as("the same spans, only split").containsExactlyInAnyOrderElementsOf(expected);
    Map<Integer, Long> perPartition = byTraceRecords.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::partition, TreeMap::new, Collectors.counting()));
    System.out.println(BY_TRACE_TOPIC + ": " + byTraceRecords.size() + " records (one per trace per post) for "
        + partitionsOfTrace.size() + " traces, per partition " + perPartition
        + ", headers " + byTraceRecords.stream().map(r -> Arrays.toString(r.headers().toArray())).distinct().toList());
  }

  static SpanView withBrowserResource(SpanView s, String clientAddress, String userAgent) {
    Map<String, String> resource = new TreeMap<>(s.resource());
    resource.putIfAbsent("client.address", "string:" + clientAddress);
    resource.putIfAbsent("user_agent.original", "string:" + userAgent);
    return new SpanView(resource, s.scope(), s.traceId(), s.spanId(), s.parentSpanId(), s.name(), s.kind(), s.start(),
        s.end(), s.attributes());
  }

  /** Every record of {@code topic}, read_committed from the start, waiting for {@code atLeast}. */
  static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + topic);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) out.add(r);
      }
      // Anything beyond what was expected shows up here too.
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) out.add(r);
    }
    out.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
        .thenComparingLong(ConsumerRecord::offset));
    assertThat(out).as(topic + ": records read within 60 s\n" + ExternalProcess.tail(stack.collector.log, 30)).hasSizeGreaterThanOrEqualTo(atLeast);
    return out;
  }

  // ---- the two sides in one shape: OTLP/JSON as the SDK posted it, OTLP protobuf as Kafka holds it

  static List<SpanView> spansOfJson(JsonNode body) {
    List<SpanView> out = new ArrayList<>();
    for (JsonNode rs : body.path("resourceSpans")) {
      Map<String, String> resource = attributesOfJson(rs.path("resource").path("attributes"));
      for (JsonNode ss : rs.path("scopeSpans")) {
        String scope = ss.path("scope").path("name").asText() + "@" + ss.path("scope").path("version").asText();
        for (JsonNode s : ss.path("spans")) {
          out.add(new SpanView(resource, scope, s.path("traceId").asText().toLowerCase(), s.path("spanId").asText().toLowerCase(),
              s.path("parentSpanId").asText("").toLowerCase(), s.path("name").asText(), s.path("kind").asInt(),
              Long.parseLong(s.path("startTimeUnixNano").asText()), Long.parseLong(s.path("endTimeUnixNano").asText()),
              attributesOfJson(s.path("attributes"))));
        }
      }
    }
    return out;
  }

  static Map<String, String> attributesOfJson(JsonNode attributes) {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode kv : attributes) {
      JsonNode v = kv.path("value");
      String value;
      if (v.has("stringValue")) value = "string:" + v.path("stringValue").asText();
      else if (v.has("intValue")) value = "int:" + v.path("intValue").asText();
      else if (v.has("boolValue")) value = "bool:" + v.path("boolValue").asBoolean();
      else if (v.has("doubleValue")) value = "double:" + v.path("doubleValue").asDouble();
      else value = "other:" + v;
      out.put(kv.path("key").asText(), value);
    }
    return out;
  }

  static List<SpanView> spansOfProto(ExportTraceServiceRequest request) {
    List<SpanView> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, String> resource = attributesOfProto(rs.getResource().getAttributesList());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        String scope = ss.getScope().getName() + "@" + ss.getScope().getVersion();
        for (Span s : ss.getSpansList()) {
          out.add(new SpanView(resource, scope, HEX.formatHex(s.getTraceId().toByteArray()),
              HEX.formatHex(s.getSpanId().toByteArray()), HEX.formatHex(s.getParentSpanId().toByteArray()), s.getName(),
              s.getKindValue(), s.getStartTimeUnixNano(), s.getEndTimeUnixNano(), attributesOfProto(s.getAttributesList())));
        }
      }
    }
    return out;
  }

  static Map<String, String> attributesOfProto(List<KeyValue> attributes) {
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : attributes) {
      AnyValue v = kv.getValue();
      String value = switch (v.getValueCase()) {
        case STRING_VALUE -> "string:" + v.getStringValue();
        case INT_VALUE -> "int:" + v.getIntValue();
        case BOOL_VALUE -> "bool:" + v.getBoolValue();
        case DOUBLE_VALUE -> "double:" + v.getDoubleValue();
        default -> "other:" + v;
      };
      out.put(kv.getKey(), value);
    }
    return out;
  }
}

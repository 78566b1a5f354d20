package io.rumsessions.processor.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A recorded workload whose answers are known exactly, for the tests that kill processors: visits
 * of two services over four channels, each with its pageviews every two seconds of event time and
 * maybe a click, sent as OTLP/JSON requests of a few spans from overlapping visits.
 */
public final class ChaosVisits {
  public static final String UA =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";
  public static final List<String> SERVICES = List.of("shop", "blog");
  /** Landing URL query and referrer per channel. */
  public static final Map<String, String[]> CHANNELS = new LinkedHashMap<>();

  static {
    CHANNELS.put("direct", new String[] {"", null});
    CHANNELS.put("organic_search", new String[] {"", "https://www.google.com/"});
    CHANNELS.put("email", new String[] {"?utm_source=newsletter&utm_medium=email&utm_campaign=winter", null});
    CHANNELS.put("paid_search", new String[] {"?utm_source=google&utm_medium=cpc&utm_campaign=brand", null});
  }

  private static final int WINDOW = 8;

  private ChaosVisits() {}

  /**
   * One visit: its pageviews, every two seconds of event time, and maybe a click after the last.
   *
   * @param userId the consented visitor's {@code user.id}, or null
   */
  public record Visit(String service, String channel, String id, int pageviews, boolean click, long startNanos, String userId) {
    public boolean bounce() {
      return pageviews < 2 && !click;
    }

    public double durationSeconds() {
      return 2.0 * (pageviews - 1) + (click ? 1 : 0);
    }

    public boolean engaged() {
      return durationSeconds() >= 10 || pageviews >= 2;
    }

    public int spans() {
      return pageviews + (click ? 1 : 0);
    }

    private long time(int i) {
      boolean isClick = i == pageviews;
      return startNanos + (isClick ? (long) (2.0 * (pageviews - 1) + 1) * 1_000_000_000L : i * 2_000_000_000L);
    }

    /** The span's attributes, in order. */
    private Map<String, String> attributes(int i) {
      String[] ch = CHANNELS.get(channel);
      Map<String, String> a = new LinkedHashMap<>();
      a.put("session.id", id);
      a.put("url.full", "https://" + service + ".example/p" + i + (i == 0 ? ch[0] : ""));
      a.put("user_agent.original", UA);
      if (userId != null) a.put("user.id", userId);
      if (i == 0 && ch[1] != null) a.put("document.referrer", ch[1]);
      return a;
    }

    private long spanId(int i) {
      return (long) id.hashCode() << 8 | i;
    }

    public String span(int i) {
      long t = time(i);
      StringBuilder attrs = new StringBuilder();
      attributes(i).forEach((k, v) -> attrs.append(attrs.length() == 0 ? "" : ",").append(attr(k, v)));
      return """
          {"traceId":"%032x","spanId":"%016x","name":"%s","kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s]}"""
          .formatted(t, spanId(i), i == pageviews ? "click" : "documentLoad", t, t + 1_000_000, attrs);
    }

    /** The same span as {@link #span} as a protobuf message (what the Collector's kafka exporter writes). */
    public io.opentelemetry.proto.trace.v1.Span spanProto(int i) {
      long t = time(i);
      var b = io.opentelemetry.proto.trace.v1.Span.newBuilder()
          .setTraceId(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(16).putLong(0).putLong(t).array()))
          .setSpanId(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(spanId(i)).array()))
          .setName(i == pageviews ? "click" : "documentLoad")
          .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL)
          .setStartTimeUnixNano(t).setEndTimeUnixNano(t + 1_000_000);
      attributes(i).forEach((k, v) -> b.addAttributes(keyValue(k, v)));
      return b.build();
    }
  }

  private static io.opentelemetry.proto.common.v1.KeyValue keyValue(String k, String v) {
    return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(k)
        .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(v)).build();
  }

  /** A batch as the OTLP protobuf request the Collector's kafka exporter writes ({@code otlp_proto}). */
  public static io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest protoRequest(Batch batch) {
    var scope = io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder();
    for (Map.Entry<Visit, Integer> e : batch.spans()) scope.addSpans(e.getKey().spanProto(e.getValue()));
    var resource = io.opentelemetry.proto.resource.v1.Resource.newBuilder()
        .addAttributes(keyValue("service.name", batch.service())).addAttributes(keyValue("consent.analytics", "granted"));
    return io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
        .build();
  }

  /** {@code count} visits starting a minute ago, 100 ms apart, alternating services, random channels and lengths. */
  public static List<Visit> visits(int count, Random random, boolean withUserIds) {
    long now = System.currentTimeMillis() * 1_000_000L;
    List<Visit> visits = new ArrayList<>();
    List<String> channels = List.copyOf(CHANNELS.keySet());
    for (int i = 0; i < count; i++) {
      visits.add(new Visit(SERVICES.get(i % 2), channels.get(random.nextInt(channels.size())), "visit-" + i,
          1 + random.nextInt(5), random.nextBoolean(), now - 60_000_000_000L + i * 100_000_000L,
          withUserIds ? "user-" + i : null));
    }
    return visits;
  }

  public static String attr(String k, String v) {
    return "{\"key\":\"" + k + "\",\"value\":{\"stringValue\":\"" + v + "\"}}";
  }

  public static String request(String service, List<String> spans) {
    return """
        {"resourceSpans":[{"resource":{"attributes":[%s,%s]},"scopeSpans":[{"spans":[%s]}]}]}"""
        .formatted(attr("service.name", service), attr("consent.analytics", "granted"), String.join(",", spans));
  }

  /** One request's spans: span {@code i} of each of its visits, all of one service. */
  public record Batch(String service, List<Map.Entry<Visit, Integer>> spans) {}

  /**
   * Requests of up to three spans from different visits of one service, each visit's spans in
   * order across requests. Visits go through a window of {@value #WINDOW} at a time, as real
   * visits overlap: a visit's spans arrive within a few requests of each other, so however long
   * the run, a session is never idle past the timeout while it still has spans to come.
   */
  public static List<Batch> batches(List<Visit> visits, Random random) {
    List<Batch> out = new ArrayList<>();
    for (String service : SERVICES) {
      List<Visit> waiting = new ArrayList<>(visits.stream().filter(v -> v.service().equals(service)).toList());
      List<Visit> window = new ArrayList<>();
      Map<Visit, Integer> next = new HashMap<>();
      while (!waiting.isEmpty() || !window.isEmpty()) {
        while (window.size() < WINDOW && !waiting.isEmpty()) window.add(waiting.remove(0));
        List<Map.Entry<Visit, Integer>> batch = new ArrayList<>();
        List<Visit> shuffled = new ArrayList<>(window);
        Collections.shuffle(shuffled, random);
        for (Visit v : shuffled.subList(0, Math.min(shuffled.size(), 1 + random.nextInt(3)))) {
          int i = next.merge(v, 1, Integer::sum) - 1;
          batch.add(Map.entry(v, i));
          if (i + 1 == v.spans()) window.remove(v);
        }
        out.add(new Batch(service, batch));
      }
    }
    return out;
  }

  /** The batches as OTLP/JSON request bodies. */
  public static List<String> requests(List<Visit> visits, Random random) {
    return batches(visits, random).stream()
        .map(b -> request(b.service(), b.spans().stream().map(e -> e.getKey().span(e.getValue())).toList()))
        .toList();
  }

  /**
   * Asserts, per service and channel, that the sessions a scrape shows are exactly the visits:
   * started, ended, bounces, engaged, pageviews and duration sums.
   */
  public static void assertExact(List<Visit> visits, java.util.function.BiFunction<String, String[], Double> sum, String why) {
    for (String service : SERVICES) {
      for (String channel : CHANNELS.keySet()) {
        List<Visit> vs = visits.stream().filter(v -> v.service().equals(service) && v.channel().equals(channel)).toList();
        String[] labels = {"service_name=\"" + service + "\"", "channel=\"" + channel + "\""};
        String where = why + ", " + service + "/" + channel;
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_sessions_started_total", labels)).as(where).isEqualTo(vs.size());
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_sessions_ended_total", labels)).as(where).isEqualTo(vs.size());
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_session_bounces_total", labels)).as(where)
            .isEqualTo(vs.stream().filter(Visit::bounce).count());
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_sessions_engaged_total", labels)).as(where)
            .isEqualTo(vs.stream().filter(Visit::engaged).count());
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_session_pageviews_sum", labels)).as(where)
            .isEqualTo(vs.stream().mapToInt(Visit::pageviews).sum());
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_session_duration_seconds_sum", labels)).as(where)
            .isCloseTo(vs.stream().mapToDouble(Visit::durationSeconds).sum(), org.assertj.core.data.Offset.offset(1e-6));
        org.assertj.core.api.Assertions.assertThat(sum.apply("rum_session_duration_seconds_count", labels)).as(where)
            .isEqualTo(vs.size());
      }
    }
  }
}

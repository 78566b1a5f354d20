package io.rumsessions.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Many visitors made from what the OpenTelemetry JS web SDK really sent from Chromium
 * ({@code collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl}):
 * each browser request of the capture is replayed with a new {@code session.id}, new trace and
 * span ids, and timestamps moved to the visitor's own timeline; the resource gets the test's
 * {@code service.name} and {@code consent.analytics=granted}. Everything else (span names,
 * scopes, events, {@code user_agent.original} on {@code documentLoad}, URLs) is as captured.
 *
 * <p>The capture's requests: 0 = Windows Chrome lands on {@code index.html?utm_…}, 1 = its
 * click, 2 = its {@code p2.html}, 3 = its {@code p3.html}, 4 = iPhone Safari lands on {@code
 * index.html}, 5 = HeadlessChrome lands on {@code index.html}.
 */
final class WebSdkVisits {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a visitor does, as the capture's request numbers in order. */
  enum Kind {
    THREE_PAGES_AND_CLICK("desktop", 0, 1, 2, 3),
    LANDING_AND_CLICK("desktop", 0, 1),
    TWO_PAGES("desktop", 0, 2),
    IPHONE_BOUNCE("mobile", 4),
    HEADLESS_BOT("bot", 5);

    final String device;
    final int[] requests;

    Kind(String device, int... requests) {
      this.device = device;
      this.requests = requests;
    }
  }

  /**
   * One browser request: an OTLP/JSON body and the browser's User-Agent header, to be sent at
   * {@code sendAtNanos} (epoch), when the last of its spans has ended, as the SDK would.
   */
  record Post(long sendAtNanos, String userAgent, String body) {}

  /** What the processors must report for one visitor, computed from the spans sent. */
  record Visit(String sessionId, Kind kind, long firstNanos, long lastNanos, int pageviews, boolean interaction) {
    double durationSeconds() {
      return (lastNanos - firstNanos) / 1e9;
    }

    boolean bot() {
      return kind == Kind.HEADLESS_BOT;
    }

    boolean bounce() {
      return pageviews < 2 && !interaction;
    }

    boolean engaged(double engagedAfterSeconds) {
      return durationSeconds() >= engagedAfterSeconds || pageviews >= 2;
    }
  }

  record Plan(List<Post> posts, List<Visit> visits) {}

  private record Captured(String userAgent, JsonNode body, long firstStartNanos) {}

  private final List<Captured> capture;

  private WebSdkVisits(List<Captured> capture) {
    this.capture = capture;
  }

  static WebSdkVisits load(Path jsonl) {
    try {
      List<Captured> out = new ArrayList<>();
      for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
        if (line.isBlank()) continue;
        JsonNode rec = JSON.readTree(line);
        JsonNode body = JSON.readTree(rec.path("body").asText());
        long first = Long.MAX_VALUE;
        for (JsonNode span : spans(body)) first = Math.min(first, span.path("startTimeUnixNano").asLong());
        out.add(new Captured(rec.path("hdr").path("User-Agent").asText(), body, first));
      }
      if (out.size() < 6) throw new AssertionError(jsonl + " has " + out.size() + " requests, expected 6");
      return new WebSdkVisits(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Visitors of the given kinds, the first starting at {@code firstNanos} and each next one
   * 97 ms later. A visitor's requests are 0.4 s to 2.15 s apart (all within an inactivity
   * timeout of 3 s). Posts come back in the order of their send times, visitors interleaved.
   */
  Plan plan(List<Kind> kinds, String service, long firstNanos, Random random) {
    List<Post> posts = new ArrayList<>();
    List<Visit> visits = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    for (int v = 0; v < kinds.size(); v++) {
      Kind kind = kinds.get(v);
      String sessionId = hex.formatHex(bytes(random, 16));
      long gap = 400_000_000L + (v % 6) * 350_000_000L;
      long requestStart = firstNanos + v * 97_000_000L;
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      int pageviews = 0;
      boolean interaction = false;
      for (int r : kind.requests) {
        Captured c = capture.get(r);
        long sendAt = Long.MIN_VALUE;
        ObjectNode body = c.body.deepCopy();
        long shift = requestStart - c.firstStartNanos;
        Map<String, String> ids = new HashMap<>();
        for (JsonNode rs : body.path("resourceSpans")) {
          ArrayNode attrs = (ArrayNode) rs.path("resource").path("attributes");
          setString(attrs, "service.name", service);
          setString(attrs, "consent.analytics", "granted");
        }
        for (JsonNode s : spans(body)) {
          ObjectNode span = (ObjectNode) s;
          span.put("traceId", ids.computeIfAbsent("t" + span.path("traceId").asText(), k -> hex.formatHex(bytes(random, 16))));
          span.put("spanId", ids.computeIfAbsent("s" + span.path("spanId").asText(), k -> hex.formatHex(bytes(random, 8))));
          if (!span.path("parentSpanId").asText().isEmpty()) {
            span.put("parentSpanId", ids.computeIfAbsent("s" + span.path("parentSpanId").asText(), k -> hex.formatHex(bytes(random, 8))));
          }
          long start = span.path("startTimeUnixNano").asLong() + shift;
          span.put("startTimeUnixNano", Long.toString(start));
          long end = span.path("endTimeUnixNano").asLong() + shift;
          span.put("endTimeUnixNano", Long.toString(end));
          sendAt = Math.max(sendAt, end);
          for (JsonNode e : span.path("events")) {
            ((ObjectNode) e).put("timeUnixNano", Long.toString(e.path("timeUnixNano").asLong() + shift));
          }
          setString((ArrayNode) span.path("attributes"), "session.id", sessionId);
          first = Math.min(first, start);
          last = Math.max(last, start);
          if ("documentLoad".equals(span.path("name").asText())) pageviews++;
          if ("click".equals(span.path("name").asText())) interaction = true;
        }
        posts.add(new Post(sendAt, c.userAgent, body.toString()));
        requestStart += gap;
      }
      visits.add(new Visit(sessionId, kind, first, last, pageviews, interaction));
    }
    posts.sort(Comparator.comparingLong(Post::sendAtNanos));
    return new Plan(posts, visits);
  }

  private static List<JsonNode> spans(JsonNode body) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode rs : body.path("resourceSpans")) {
      for (JsonNode ss : rs.path("scopeSpans")) {
        for (JsonNode span : ss.path("spans")) out.add(span);
      }
    }
    return out;
  }

  private static void setString(ArrayNode attributes, String key, String value) {
    for (JsonNode a : attributes) {
      if (key.equals(a.path("key").asText())) {
        ((ObjectNode) a).putObject("value").put("stringValue", value);
        return;
      }
    }
    ObjectNode a = attributes.addObject();
    a.put("key", key);
    a.putObject("value").put("stringValue", value);
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}

package io.rumsessions.processor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real OpenTelemetry JS web SDK posts captured from Chromium (see fixtures/README.md). */
public final class Fixtures {
  private static final Pattern TIME = Pattern.compile("\"(startTimeUnixNano|endTimeUnixNano|timeUnixNano)\":\"(\\d+)\"");

  /** One captured OTLP/HTTP request. */
  public record Post(String contentType, Map<String, String> headers, String body) {
    public String userAgent() {
      return headers.get("User-Agent");
    }

    /** The body with every timestamp moved by {@code deltaNanos}, keeping relative timing. */
    public String shifted(long deltaNanos) {
      Matcher m = TIME.matcher(body);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        long t = Long.parseLong(m.group(2));
        m.appendReplacement(b, "\"" + m.group(1) + "\":\"" + (t + deltaNanos) + "\"");
      }
      m.appendTail(b);
      return b.toString();
    }
  }

  private Fixtures() {}

  public static List<Post> otelWebVisits() {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      ObjectMapper mapper = new ObjectMapper();
      List<Post> posts = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) continue;
        JsonNode n = mapper.readTree(line);
        Map<String, String> headers = mapper.convertValue(n.get("hdr"), mapper.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        posts.add(new Post(n.get("ct").asText(), headers, n.get("body").asText()));
      }
      return posts;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The earliest span start time in the captured posts. */
  public static long firstStartNanos(List<Post> posts) {
    long min = Long.MAX_VALUE;
    for (Post p : posts) {
      Matcher m = TIME.matcher(p.body());
      while (m.find()) min = Math.min(min, Long.parseLong(m.group(2)));
    }
    return min;
  }
}

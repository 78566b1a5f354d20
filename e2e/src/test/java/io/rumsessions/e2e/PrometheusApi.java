package io.rumsessions.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Instant queries against Prometheus' HTTP API ({@code /api/v1/query}). */
final class PrometheusApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  PrometheusApi(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  boolean ready() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * A query's vector result as series label text → value, e.g. {@code {instance="…"} → 12.0};
   * a scalar-like single series without labels has the key {@code {}}. Empty when nothing matched.
   */
  Map<String, Double> vector(String promql) {
    JsonNode root = get(promql);
    JsonNode data = root.path("data");
    if (!"vector".equals(data.path("resultType").asText())) {
      throw new AssertionError(promql + ": expected a vector, got " + root);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (JsonNode series : data.path("result")) {
      StringBuilder labels = new StringBuilder("{");
      for (Map.Entry<String, JsonNode> e : series.path("metric").properties()) {
        if (labels.length() > 1) labels.append(',');
        labels.append(e.getKey()).append("=\"").append(e.getValue().asText()).append('"');
      }
      labels.append('}');
      out.put(labels.toString(), Double.parseDouble(series.path("value").get(1).asText()));
    }
    return out;
  }

  /** The value of a query that yields at most one series ({@code sum(...)}); 0 when none. */
  double scalar(String promql) {
    Map<String, Double> v = vector(promql);
    if (v.size() > 1) throw new AssertionError(promql + " returned " + v.size() + " series: " + v);
    return v.isEmpty() ? 0 : v.values().iterator().next();
  }

  private JsonNode get(String promql) {
    URI uri = URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode root = JSON.readTree(r.body());
      if (r.statusCode() != 200 || !"success".equals(root.path("status").asText())) {
        throw new AssertionError(promql + ": HTTP " + r.statusCode() + " " + r.body());
      }
      return root;
    } catch (IOException e) {
      throw new AssertionError("cannot query Prometheus at " + base + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}

package io.rumsessions.processor.export;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** OTLP/HTTP with protobuf bodies (the JDK's HTTP client); retryable as the OTLP specification says. */
public final class HttpOtlpSender implements OtlpSender {
  private final HttpClient client;
  private final URI endpoint;
  private final Duration timeout;
  private final Map<String, String> headers;

  public HttpOtlpSender(String endpoint, Duration timeout, Map<String, String> headers) {
    String url = endpoint.endsWith("/v1/traces") ? endpoint : endpoint.replaceAll("/$", "") + "/v1/traces";
    this.endpoint = URI.create(url);
    this.timeout = timeout;
    this.headers = Map.copyOf(headers);
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Result send(byte[] request) {
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(timeout)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request));
    headers.forEach(b::header);
    try {
      HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      int code = r.statusCode();
      if (code >= 200 && code < 300) return Result.OK;
      String message = "HTTP " + code + " from " + endpoint;
      if (code == 429 || code == 502 || code == 503 || code == 504) {
        return Result.retry(r.headers().firstValue("Retry-After").map(HttpOtlpSender::seconds).orElse(0L), message);
      }
      return Result.failed(message);
    } catch (IOException e) {
      return Result.retry(0, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.retry(0, "interrupted");
    }
  }

  private static long seconds(String retryAfter) {
    try {
      return Math.min(300, Long.parseLong(retryAfter.trim())) * 1000;
    } catch (NumberFormatException dateForm) {
      return 0;
    }
  }

  @Override
  public void close() {}
}

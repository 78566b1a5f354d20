package io.rumsessions.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests the real OpenTelemetry JS web SDK posted from Chromium
 * ({@code collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl}), replayed
 * as they were posted: the captured headers (browser user agent, {@code Origin}, {@code sec-ch-ua},
 * …) and the body byte for byte, but for three things done once when the pool is built:
 *
 * <ul>
 *   <li>timestamps are moved by one offset so that the latest event is a minute ago (the capture is
 *       days old; the digits stay as many);
 *   <li>the resource carries {@code consent.analytics=granted}, as a page that asked for consent
 *       adds it (its {@code session.id} then keys the session);
 *   <li>{@code Host} names the bench, {@code Content-Length} the new body.
 * </ul>
 *
 * <p>Fresh ids per send: the first 8 hex digits of every trace id, span id, parent span id and
 * {@code session.id} are where {@link Payloads.Payload#forGeneration} writes the replay's generation,
 * so each pass over the six requests is new sessions and new spans (a visitor's requests in one pass
 * keep one session id, as the SDK's session manager does).
 *
 * <p>Each payload is the whole HTTP/1.1 request, head and body: {@link Sender.HttpJson} in raw mode
 * writes it as it is.
 */
public final class ReplayWorkload {
  public static final String FIXTURE = "collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl";

  private static final Pattern TIME = Pattern.compile("\"(startTimeUnixNano|endTimeUnixNano|timeUnixNano)\":\"(\\d+)\"");
  private static final String RESOURCE_ATTRIBUTES = "\"resource\":{\"attributes\":[";
  private static final String CONSENT = "{\"key\":\"consent.analytics\",\"value\":{\"stringValue\":\"granted\"}},";
  private static final String[] ID_PREFIXES = {
    "\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\"", "{\"key\":\"session.id\",\"value\":{\"stringValue\":\"",
  };
  /** Headers set by the bench, not copied from the capture. */
  private static final java.util.Set<String> REPLACED = java.util.Set.of("host", "content-length", "transfer-encoding");

  private ReplayWorkload() {}

  /** One captured request: content type, headers in their order, body. */
  record Captured(Map<String, String> headers, String body) {}

  /** The pool: each captured request encoded once, as the whole HTTP request. */
  public static List<Payloads.Payload> load(Path root, long nowMillis) {
    List<Captured> captured = read(root.resolve(FIXTURE));
    long latest = 0;
    for (Captured c : captured) {
      Matcher m = TIME.matcher(c.body());
      while (m.find()) latest = Math.max(latest, Long.parseLong(m.group(2)));
    }
    long shift = (nowMillis - 60_000) * 1_000_000L - latest;
    List<Payloads.Payload> out = new ArrayList<>();
    for (Captured c : captured) out.add(encode(c, shift));
    return out;
  }

  static Payloads.Payload encode(Captured c, long shiftNanos) {
    String body = shift(c.body(), shiftNanos);
    if (!body.contains(RESOURCE_ATTRIBUTES)) throw new IllegalStateException("a captured request without resource attributes");
    body = body.replace(RESOURCE_ATTRIBUTES, RESOURCE_ATTRIBUTES + CONSENT);
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("POST /v1/traces HTTP/1.1\r\nHost: rum-bench\r\n");
    c.headers().forEach((k, v) -> {
      if (!REPLACED.contains(k.toLowerCase(Locale.ROOT))) head.append(k).append(": ").append(v).append("\r\n");
    });
    head.append("Content-Length: ").append(bodyBytes.length).append("\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] request = new byte[headBytes.length + bodyBytes.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(bodyBytes, 0, request, headBytes.length, bodyBytes.length);
    List<Integer> ids = new ArrayList<>();
    for (String prefix : ID_PREFIXES) {
      byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
      for (int at = indexOf(request, p, headBytes.length); at >= 0; at = indexOf(request, p, at + p.length)) {
        int id = at + p.length;
        for (int i = 0; i < 8; i++) {
          if (Character.digit(request[id + i], 16) < 0) throw new IllegalStateException(prefix + " not followed by hex digits");
        }
        ids.add(id);
      }
    }
    int spans = count(bodyBytes, "\"spanId\":\"".getBytes(StandardCharsets.US_ASCII));
    return new Payloads.Payload(request, ids.stream().mapToInt(Integer::intValue).toArray(), new int[0], new int[0], spans);
  }

  private static String shift(String body, long shiftNanos) {
    Matcher m = TIME.matcher(body);
    StringBuilder b = new StringBuilder(body.length());
    while (m.find()) {
      String digits = m.group(2);
      String moved = Long.toString(Long.parseLong(digits) + shiftNanos);
      if (moved.length() != digits.length()) throw new IllegalStateException("timestamp " + digits + " changes length when moved");
      m.appendReplacement(b, "\"" + m.group(1) + "\":\"" + moved + "\"");
    }
    m.appendTail(b);
    return b.toString();
  }

  static List<Captured> read(Path file) {
    List<Captured> out = new ArrayList<>();
    JsonFactory f = new JsonFactory();
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) continue;
        Map<String, String> headers = new LinkedHashMap<>();
        String body = null;
        try (JsonParser p = f.createParser(line)) {
          p.nextToken();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
              case "hdr" -> {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                  String k = p.currentName();
                  p.nextToken();
                  headers.put(k, p.getText());
                }
              }
              case "body" -> body = p.getText();
              default -> p.skipChildren();
            }
          }
        }
        if (body == null) throw new IllegalStateException("a line without a body in " + file);
        out.add(new Captured(headers, body));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the captured requests " + file, e);
    }
    if (out.isEmpty()) throw new IllegalStateException("no captured requests in " + file);
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  private static int count(byte[] hay, byte[] needle) {
    int n = 0;
    for (int at = indexOf(hay, needle, 0); at >= 0; at = indexOf(hay, needle, at + needle.length)) n++;
    return n;
  }
}

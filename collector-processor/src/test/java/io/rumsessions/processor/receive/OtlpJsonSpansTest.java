package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming OTLP/JSON reader must refuse exactly what {@link OtlpJsonDecoder#decode} refuses,
 * with the same message, and read everything else as the decoded message says, span by span
 * (the walk of {@link OtlpWireSpansTest}: resource facts, resource, scope, ids, name, kind,
 * mapped facts, attributes looked up by name, the forwarded span message).
 */
class OtlpJsonSpansTest {
  private final OtlpJsonDecoder decoder = new OtlpJsonDecoder();
  private final OtlpWireSpansTest readers = new OtlpWireSpansTest();

  /** Compares both on this body; returns whether the decoder accepted it. */
  boolean assertAlike(byte[] body) {
    ExportTraceServiceRequest message;
    try {
      message = decoder.decode(new ByteArrayInputStream(body));
    } catch (MalformedPayloadException e) {
      assertThatThrownBy(() -> decoder.spans(body, body.length))
          .as("the decoder refused: %s", new String(body, StandardCharsets.UTF_8))
          .isInstanceOf(MalformedPayloadException.class)
          .hasMessage(e.getMessage());
      return false;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    io.rumsessions.processor.ingest.SpanSource spans;
    try {
      spans = decoder.spans(body, body.length);
    } catch (MalformedPayloadException e) {
      throw new AssertionError("refused what the decoder accepts: " + e.getMessage() + "\n" + new String(body, StandardCharsets.UTF_8));
    }
    assertThat(readers.walk(spans)).as(new String(body, StandardCharsets.UTF_8)).isEqualTo(readers.walk(new MessageSpans(message)));
    return true;
  }

  @Test
  void everyRealOtelWebPostReadsAlike() {
    int posts = 0;
    for (Fixtures.Post post : Fixtures.otelWebVisits()) {
      assertThat(assertAlike(post.body().getBytes(StandardCharsets.UTF_8))).isTrue();
      posts++;
    }
    assertThat(posts).isEqualTo(6);
  }

  @Test
  void spellingsNullsRepeatsEscapesAndOtherValueTypesReadAlike() {
    String span = "{\"traceId\":\"5B0DF6B3E1B3101898F704AA91C0A432\",\"span_id\":\"52c63bc2b8af77a7\",\"name\":\"docum\\u0065ntLoad\","
        + "\"kind\":\"SPAN_KIND_CLIENT\",\"start_time_unix_nano\":1795876747792900098,\"status\":{\"code\":2},"
        + "\"attributes\":[{\"key\":\"session\\u002eid\",\"value\":{\"stringValue\":\"abc\"}},"
        + "{\"key\":\"url.full\",\"value\":{\"intValue\":\"12\",\"stringValue\":\"http://x/ü?sid=q%41\"}},"
        + "{\"key\":\"user_agent.original\",\"value\":{\"boolValue\":true}},{\"key\":\"client.address\",\"value\":{\"doubleValue\":1.5}},"
        + "{\"key\":\"consent.analytics\",\"value\":null},{\"key\":\"page.referrer\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1}]}}},"
        + "{\"key\":\"ünïcode.kéy\",\"value\":{\"stringValue\":\"ja\"}},{\"value\":{\"stringValue\":\"no key\"}},"
        + "{\"key\":\"order.id\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"bytesValue\":\"AAE=\"}}]}}}],"
        + "\"events\":[{\"name\":\"fetchStart\",\"timeUnixNano\":\"1795876747792900098\",\"attributes\":[{\"key\":\"x\",\"value\":{\"intValue\":3}}]}],"
        + "\"links\":[{\"traceId\":\"5b0df6b3e1b3101898f704aa91c0a432\",\"spanId\":\"\"}],\"name\":\"documentLoad\",\"status\":null,\"unknown\":[1,{\"a\":2}]}";
    String body = "{\"resource_spans\":[{\"scopeSpans\":[{\"scope\":{\"name\":\"s\",\"version\":\"1\"},\"spans\":[" + span + "," + span + "]},"
        + "{\"spans\":null},{\"scope\":null,\"spans\":[{\"traceId\":\"\",\"spanId\":null}]}],"
        + "\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"first\"}}]},"
        + "\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"shop\"}},"
        + "{\"key\":\"user_agent.original\",\"value\":{\"stringValue\":\"Mozilla/5.0 \\\"quoted\\\"\"}}],\"attributes\":[{\"key\":\"service.name\",\"value\":{\"intValue\":7}}]}},"
        + "{\"resource\":null},{}],\"other\":{\"resourceSpans\":1}}";
    assertThat(assertAlike(body.getBytes(StandardCharsets.UTF_8))).isTrue();
    // Long.parseUnsignedLong's leniency (a plus sign, white space trimmed), kept.
    assertThat(assertAlike("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"+12\",\"endTimeUnixNano\":\" 7 \"}]}]}]}"
        .getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  @Test
  void refusalsSayWhatTheDecoderSays() {
    for (String body : List.of("", "[]", "{\"resourceSpans\":{}}", "{\"resourceSpans\":[null]}", "{} {}", "{\"resourceSpans\":[{\"resource\":[]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"zz63bc2b8af77a7\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"zz63bc2b8af77a7z\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"12x\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"99999999999999999999\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{\"timeUnixNano\":true}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{\"name\":5}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"SPAN_KIND_NOPE\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":99999999999}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":1}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"value\":{\"boolValue\":\"yes\"}}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"value\":{\"bytesValue\":\"***\"}}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"links\":[{\"traceId\":\"ab\"}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\u0001b\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"unterminated}]}]}]}")) {
      assertThat(assertAlike(body.getBytes(StandardCharsets.UTF_8))).as(body).isEqualTo(false);
    }
  }

  @Test
  void mutatedRealPostsReadOrAreRefusedAlike() {
    Random random = new Random(20261205);
    List<byte[]> posts = new ArrayList<>();
    for (Fixtures.Post post : Fixtures.otelWebVisits()) posts.add(post.body().getBytes(StandardCharsets.UTF_8));
    byte[] alphabet = "{}[]\":,0123456789abcdefABCDEF-+.eE \\nultrfs\u00e9".getBytes(StandardCharsets.UTF_8);
    int accepted = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] b = posts.get(random.nextInt(posts.size())).clone();
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(b.length);
        switch (random.nextInt(3)) {
          case 0 -> b[at] = alphabet[random.nextInt(alphabet.length)];
          case 1 -> {
            byte[] c = new byte[b.length - 1];
            System.arraycopy(b, 0, c, 0, at);
            System.arraycopy(b, at + 1, c, at, b.length - at - 1);
            b = c;
          }
          default -> {
            byte[] c = new byte[b.length + 1];
            System.arraycopy(b, 0, c, 0, at);
            c[at] = alphabet[random.nextInt(alphabet.length)];
            System.arraycopy(b, at, c, at + 1, b.length - at);
            b = c;
          }
        }
      }
      if (assertAlike(b)) accepted++;
    }
    // Both kinds were compared: mutations inside strings mostly stay valid.
    assertThat(accepted).isBetween(300, 2700);
  }
}

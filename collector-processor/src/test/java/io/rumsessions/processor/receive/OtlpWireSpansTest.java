package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The in-place protobuf reader must see exactly what protobuf-java's messages say, span by span,
 * and refuse exactly the bytes protobuf-java refuses.
 */
class OtlpWireSpansTest {
  static final List<String> KEYS = List.of("service.name", "session.id", "session_id", "splunk.rumSessionId",
      "url.full", "http.url", "location.href", "page.url", "user_agent.original", "http.user_agent",
      "browser.user_agent", "client.address", "consent.analytics", "http.request.header.referer",
      "page.referrer", "document.referrer", "referrer", "user_agent.synthetic.type", "browser.webdriver",
      "session.previous_id", "user.id", "enduser.id", "http.method", "http.response_content_length", "",
      "ünïcode.kéy", "order.id");
  static final List<String> NAMES = List.of("documentLoad", "documentFetch", "resourceFetch", "click",
      "route change", "HTTP GET", "", "käufe 𝒳", "pageview");

  final InputMapping mapping;
  int lenientVarints;

  OtlpWireSpansTest() {
    // Default names plus a session id read from the URL, so that path is compared too.
    ProcessorConfig config = ConfigLoader.load(null, Map.of("input.session-id-url-parameter", "sid"));
    mapping = new InputMapping(config.input(), config.consent());
  }

  /** Everything the pipeline can learn from a request, in walk order. */
  List<String> walk(SpanSource s) {
    List<String> out = new ArrayList<>();
    SpanFacts f = new SpanFacts();
    while (s.nextResource()) {
      ResourceFacts rf = s.resourceFacts(mapping);
      out.add("resource facts " + rf);
      out.add("resource " + s.resource());
      while (s.nextScope()) {
        out.add("scope " + s.scope());
        while (s.nextSpan()) {
          s.map(mapping, rf, f);
          out.add("span ids=" + s.hasValidIds() + " name=" + s.name() + " client=" + s.isClient()
              + " trace=" + (s.hasValidIds() ? Long.toHexString(s.traceIdHigh()) + "-" + Long.toHexString(s.traceIdLow()) : "-") + " facts=" + describe(f));
          for (String k : KEYS) out.add("  " + k + "=" + s.attribute(k));
          out.add("  message " + s.span());
        }
      }
    }
    return out;
  }

  static String describe(SpanFacts f) {
    return String.join("|", f.clientSessionId, f.url, f.userAgent, f.clientAddress, f.consent.name(), f.referrer,
        f.syntheticType, f.automationFlag, f.previousSessionId, f.userId)
        + "|" + f.backend + "|" + f.error + "|" + f.timeNanos + "|" + f.pageview + "|" + f.interaction;
  }

  /** Compares both readers on these bytes; returns whether protobuf-java accepted them. */
  boolean assertAlike(byte[] bytes) {
    return assertAlike(bytes, false);
  }

  /**
   * @param varintLeniency whether protobuf-java may accept a varint this reader refuses: its fast
   *     path takes some varints whose tenth byte still says "more" at the end of a nested message
   *     (standing alone, the same bytes are refused). Refusing them is the wire format's rule.
   */
  boolean assertAlike(byte[] bytes, boolean varintLeniency) {
    ExportTraceServiceRequest message;
    try {
      message = ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      assertThatThrownBy(() -> OtlpWireSpans.read(bytes, bytes.length))
          .as("protobuf-java refused (%s): %s", e.getMessage(), HexFormat.of().formatHex(bytes))
          .isInstanceOf(MalformedPayloadException.class)
          .hasMessageStartingWith("invalid OTLP protobuf: ");
      return false;
    }
    OtlpWireSpans wire;
    try {
      wire = OtlpWireSpans.read(bytes, bytes.length);
    } catch (MalformedPayloadException e) {
      if (varintLeniency && e.getMessage().contains("varint")) {
        lenientVarints++;
        return false;
      }
      throw new AssertionError("refused what protobuf-java accepts: " + e.getMessage() + " " + HexFormat.of().formatHex(bytes));
    }
    assertThat(walk(wire)).isEqualTo(walk(new MessageSpans(message)));
    return true;
  }

  @Test
  void everyRealOtelWebPostReadsAlike() throws Exception {
    int spans = 0;
    for (Fixtures.Post post : Fixtures.otelWebVisits()) {
      ExportTraceServiceRequest r = new OtlpJsonDecoder().decode(new ByteArrayInputStream(post.body().getBytes(StandardCharsets.UTF_8)));
      assertThat(assertAlike(r.toByteArray())).isTrue();
      List<String> walked = walk(OtlpWireSpans.read(r.toByteArray(), r.getSerializedSize()));
      spans += (int) walked.stream().filter(l -> l.startsWith("span ")).count();
    }
    assertThat(spans).isEqualTo(16);
  }

  @Test
  void readsWhatTheMappingNeedsFromARealDocumentLoad() throws Exception {
    byte[] bytes = null;
    for (Fixtures.Post post : Fixtures.otelWebVisits()) {
      if (post.body().contains("documentLoad")) {
        bytes = new OtlpJsonDecoder().decode(new ByteArrayInputStream(post.body().getBytes(StandardCharsets.UTF_8))).toByteArray();
        break;
      }
    }
    OtlpWireSpans wire = OtlpWireSpans.read(bytes, bytes.length);
    SpanFacts f = new SpanFacts();
    boolean sawPageview = false;
    while (wire.nextResource()) {
      ResourceFacts rf = wire.resourceFacts(mapping);
      assertThat(rf.serviceName()).isNotBlank();
      while (wire.nextScope()) {
        while (wire.nextSpan()) {
          wire.map(mapping, rf, f);
          assertThat(wire.hasValidIds()).isTrue();
          assertThat(f.timeNanos).isPositive();
          if (wire.name().equals("documentLoad")) {
            sawPageview = true;
            assertThat(f.pageview).isTrue();
            assertThat(f.url).startsWith("http");
            assertThat(f.userAgent).contains("Mozilla/5.0");
          }
        }
      }
    }
    assertThat(sawPageview).isTrue();
  }

  @Test
  void generatedRequestsReadAlike() {
    Random random = new Random(20261128);
    int accepted = 0;
    for (int i = 0; i < 400; i++) {
      if (assertAlike(request(random).toByteArray())) accepted++;
    }
    assertThat(accepted).isEqualTo(400);
  }

  @Test
  void aReaderUsedAgainReadsEachRequestAsANewReaderDoes() throws Exception {
    // Receiver threads keep one reader: nothing of a request, taken or refused, may show in the next.
    Random random = new Random(18);
    OtlpWireSpans reader = new OtlpWireSpans();
    int refused = 0;
    int read = 0;
    for (int i = 0; i < 300; i++) {
      byte[] made = request(random).toByteArray();
      byte[] bytes = i % 3 == 1 ? mutate(made, random) : made;
      List<String> fresh;
      try {
        fresh = walk(OtlpWireSpans.read(bytes, bytes.length));
      } catch (MalformedPayloadException e) {
        assertThatThrownBy(() -> OtlpWireSpans.read(bytes, bytes.length, reader)).hasMessage(e.getMessage());
        reader.release();
        refused++;
        continue;
      }
      assertThat(walk(OtlpWireSpans.read(bytes, bytes.length, reader))).isEqualTo(fresh);
      assertThat(reader.release()).as("a small request's reader is kept").isTrue();
      read++;
    }
    assertThat(refused).isPositive();
    assertThat(read).isGreaterThan(200);
  }

  @Test
  void aReaderThatALargeRequestGrewIsNotKept() throws Exception {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < 1100; i++) {
      scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))
          .setName("s" + i));
    }
    byte[] large = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build().toByteArray();
    OtlpWireSpans reader = new OtlpWireSpans();
    List<String> walked = walk(OtlpWireSpans.read(large, large.length, reader));
    assertThat(walked.stream().filter(l -> l.startsWith("span ")).count()).isEqualTo(1100);
    assertThat(reader.release()).isFalse();
  }

  @Test
  void mutatedBytesAreRefusedExactlyWhenProtobufJavaRefusesThem() {
    Random random = new Random(7);
    int refused = 0;
    int total = 3000;
    for (int i = 0; i < total; i++) {
      byte[] bytes = mutate(request(random).toByteArray(), random);
      if (!assertAlike(bytes, true)) refused++;
    }
    System.out.printf("mutated requests: %d of %d refused, %d of them for a varint protobuf-java took%n", refused, total, lenientVarints);
    // Both outcomes must be exercised for the comparison to mean anything.
    assertThat(refused).isBetween(total / 10, total - 200);
    assertThat(lenientVarints).as("refused varints protobuf-java took").isLessThan(total / 100);
  }

  @Test
  void duplicateAndReorderedFieldsMergeAsInAParser() throws Exception {
    ByteArrayOutputStream span = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(span);
    o.writeBytes(1, ByteString.copyFrom(new byte[16]));
    o.writeBytes(1, ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
    o.writeBytes(2, ByteString.copyFrom(new byte[8]));
    o.writeString(5, "click");
    o.writeString(5, "documentLoad");
    o.writeEnum(6, 3);
    o.writeFixed64(7, 42);
    o.writeMessage(15, Status.newBuilder().setCodeValue(2).build());
    o.writeMessage(15, Status.newBuilder().setMessage("later status without a code").build());
    // Value before key, two values (string, then int), two keys (the last wins).
    o.writeByteArray(9, kvBytes(w -> {
      w.writeMessage(2, AnyValue.newBuilder().setStringValue("https://first.example/").build());
      w.writeString(1, "not.read");
      w.writeMessage(2, AnyValue.newBuilder().setIntValue(7).build());
      w.writeString(1, "url.full");
    }));
    o.writeByteArray(9, kvBytes(w -> {
      w.writeString(1, "session.id");
      w.writeMessage(2, AnyValue.newBuilder().setStringValue("abc").build());
      w.writeMessage(2, AnyValue.getDefaultInstance());
    }));
    o.writeUInt64(99, 5);
    o.writeFixed32(98, 5);
    o.writeTag(97, 3);
    o.writeString(1, "inside an unknown group");
    o.writeTag(97, 4);
    o.writeUInt64(5, 12); // the name's number with a varint: an unknown field to protobuf-java
    o.flush();
    byte[] bytes = request(span.toByteArray());
    assertThat(assertAlike(bytes)).isTrue();
    OtlpWireSpans wire = OtlpWireSpans.read(bytes, bytes.length);
    wire.nextResource();
    wire.nextScope();
    wire.nextSpan();
    SpanFacts f = new SpanFacts();
    wire.map(mapping, wire.resourceFacts(mapping), f);
    assertThat(wire.name()).isEqualTo("documentLoad");
    assertThat(f.url).isEqualTo("7");
    assertThat(f.clientSessionId).isEqualTo("abc");
    assertThat(f.error).isTrue(); // the later status has no code field: the earlier ERROR stays
    assertThat(wire.isClient()).isTrue();
  }

  @Test
  void resourcesGivenTwiceMergeTheirAttributes() throws Exception {
    byte[] resourceSpans = kvBytes(o -> {
      o.writeMessage(1, Resource.newBuilder().addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("a")))
          .addAttributes(kv("url.full", AnyValue.newBuilder().setStringValue("https://a.example/"))).build());
      o.writeByteArray(2, kvBytes(ss -> ss.writeMessage(2, validSpan().build())));
      o.writeMessage(1, Resource.newBuilder().addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("b")))
          .addAttributes(kv("session.id", AnyValue.newBuilder().setStringValue("s-1"))).build());
    });
    byte[] bytes = kvBytes(o -> o.writeByteArray(1, resourceSpans));
    assertThat(assertAlike(bytes)).isTrue();
    OtlpWireSpans wire = OtlpWireSpans.read(bytes, bytes.length);
    wire.nextResource();
    ResourceFacts rf = wire.resourceFacts(mapping);
    assertThat(rf.serviceName()).isEqualTo("b");
    assertThat(rf.url()).isEqualTo("https://a.example/");
    assertThat(rf.sessionId()).isEqualTo("s-1");
  }

  @Test
  void nestingIsLimitedAsInProtobufJava() {
    // Request(0) > ResourceSpans(1) > ScopeSpans(2) > Span(3) > KeyValue(4) > AnyValue(5) > ArrayValue ...
    for (int arrays : new int[] {40, 47, 48, 60}) {
      AnyValue v = AnyValue.newBuilder().setStringValue("deep").build();
      for (int i = 0; i < arrays; i++) v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
      Span span = validSpan().addAttributes(KeyValue.newBuilder().setKey("deep").setValue(v)).build();
      byte[] bytes = request(span.toByteArray());
      boolean accepted = assertAlike(bytes);
      assertThat(accepted).as("%d nested arrays", arrays).isEqualTo(arrays < 48);
    }
  }

  @Test
  void invalidUtf8AnywhereIsRefusedEvenWhereNothingReadsIt() throws IOException {
    ByteArrayOutputStream span = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(span);
    o.writeBytes(1, ByteString.copyFrom(new byte[16]));
    o.writeBytes(2, ByteString.copyFrom(new byte[8]));
    o.writeByteArray(3, new byte[] {'a', (byte) 0xed, (byte) 0xa0, (byte) 0x80}); // trace_state: a surrogate
    o.flush();
    byte[] bytes = request(span.toByteArray());
    assertThat(assertAlike(bytes)).isFalse();
    assertThatThrownBy(() -> OtlpWireSpans.read(bytes, bytes.length)).hasMessageContaining("UTF-8");
  }

  @Test
  void truncatedRequestsAreRefusedWhole() throws Exception {
    byte[] whole = request(new Random(3)).toByteArray();
    for (int cut = 1; cut < whole.length; cut += Math.max(1, whole.length / 50)) {
      byte[] part = java.util.Arrays.copyOf(whole, cut);
      assertAlike(part);
    }
    assertThatThrownBy(() -> OtlpWireSpans.read(whole, whole.length - 1)).isInstanceOf(MalformedPayloadException.class);
  }

  interface Writes {
    void to(CodedOutputStream o) throws IOException;
  }

  static byte[] kvBytes(Writes w) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(b);
    w.to(o);
    o.flush();
    return b.toByteArray();
  }

  /** A request of one resource and one scope around these span bytes. */
  static byte[] request(byte[] spanBytes) {
    try {
      ScopeSpans ss = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("s")).build();
      byte[] scopeSpans = kvBytes(o -> {
        o.writeMessage(1, ss.getScope());
        o.writeByteArray(2, spanBytes);
      });
      byte[] resourceSpans = kvBytes(o -> {
        o.writeMessage(1, Resource.newBuilder().addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("shop"))).build());
        o.writeByteArray(2, scopeSpans);
      });
      return kvBytes(o -> o.writeByteArray(1, resourceSpans));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static Span.Builder validSpan() {
    return Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))
        .setName("documentLoad").setStartTimeUnixNano(1);
  }

  static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static <T> T pick(Random r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  static AnyValue.Builder value(Random r, int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (r.nextInt(depth > 2 ? 6 : 10)) {
      case 0 -> v.setStringValue("");
      case 1 -> v.setIntValue(r.nextLong());
      case 2 -> v.setBoolValue(r.nextBoolean());
      case 3 -> v.setDoubleValue(r.nextBoolean() ? r.nextDouble() * 1e6 : -0.0);
      case 4 -> v.setBytesValue(ByteString.copyFrom(new byte[] {1, 2, (byte) 0xff}));
      case 5 -> v.setStringValueStrindex(r.nextInt(5));
      case 6 -> v.setArrayValue(ArrayValue.newBuilder().addValues(value(r, depth + 1)).addValues(value(r, depth + 1)));
      case 7 -> v.setKvlistValue(KeyValueList.newBuilder().addValues(kv(pick(r, KEYS), value(r, depth + 1))));
      default -> v.setStringValue(pick(r, List.of("granted", "denied", "abc-123", "has space", "x".repeat(200),
          "https://shop.example/p?utm_source=news&sid=s-42#top", "Mozilla/5.0 (X11; Linux x86_64) Chrome/141.0",
          "bot", "true", "198.51.100.7", "ünï 𝒳", "")));
    }
    return v;
  }

  static List<KeyValue> attributes(Random r, int max) {
    List<KeyValue> list = new ArrayList<>();
    for (int i = r.nextInt(max + 1); i > 0; i--) list.add(kv(pick(r, KEYS), value(r, 0)));
    return list;
  }

  static ExportTraceServiceRequest request(Random r) {
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    for (int i = 1 + r.nextInt(2); i > 0; i--) {
      ResourceSpans.Builder rs = req.addResourceSpansBuilder();
      if (r.nextInt(5) > 0) rs.setResource(Resource.newBuilder().addAllAttributes(attributes(r, 5)).setDroppedAttributesCount(r.nextInt(2)));
      if (r.nextBoolean()) rs.setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
      for (int j = r.nextInt(3); j > 0; j--) {
        ScopeSpans.Builder ss = rs.addScopeSpansBuilder();
        if (r.nextBoolean()) ss.setScope(InstrumentationScope.newBuilder().setName("@opentelemetry/instrumentation-fetch").setVersion("0.57.0"));
        for (int k = r.nextInt(5); k > 0; k--) {
          Span.Builder s = ss.addSpansBuilder()
              .setTraceId(ByteString.copyFrom(new byte[r.nextInt(8) == 0 ? 15 : 16]))
              .setSpanId(ByteString.copyFrom(new byte[r.nextInt(8) == 0 ? 0 : 8]))
              .setName(pick(r, NAMES))
              .setKindValue(r.nextInt(7))
              .setStartTimeUnixNano(r.nextInt(4) == 0 ? 0 : 1_795_876_747_792_900_098L + r.nextInt(1_000_000))
              .setEndTimeUnixNano(1_795_876_747_892_900_098L)
              .addAllAttributes(attributes(r, 12));
          byte[] id = new byte[16];
          r.nextBytes(id);
          if (s.getTraceId().size() == 16) s.setTraceId(ByteString.copyFrom(id));
          if (r.nextInt(3) == 0) s.setStatus(Status.newBuilder().setCodeValue(r.nextInt(3)).setMessage("m"));
          if (r.nextInt(4) == 0) s.addEvents(Span.Event.newBuilder().setName("e").addAllAttributes(attributes(r, 2)));
          if (r.nextInt(6) == 0) s.addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(id)).setTraceState("a=b"));
          if (r.nextInt(6) == 0) {
            s.setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(1000, UnknownFieldSet.Field.newBuilder().addVarint(r.nextLong()).addFixed32(7)
                    .addLengthDelimited(ByteString.copyFromUtf8("x")).build())
                .build());
          }
        }
      }
    }
    return req.build();
  }

  /** One to three random changes: a byte replaced, bytes cut, or bytes inserted. */
  static byte[] mutate(byte[] bytes, Random r) {
    byte[] b = bytes;
    for (int n = 1 + r.nextInt(3); n > 0 && b.length > 0; n--) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(4)) {
        case 0, 1 -> {
          b = b.clone();
          b[at] = (byte) (r.nextInt(3) == 0 ? b[at] ^ (1 << r.nextInt(8)) : r.nextInt(256));
        }
        case 2 -> {
          int len = 1 + r.nextInt(Math.min(8, b.length - at));
          byte[] c = new byte[b.length - len];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + len, c, at, b.length - at - len);
          b = c;
        }
        default -> {
          byte[] insert = new byte[1 + r.nextInt(4)];
          r.nextBytes(insert);
          byte[] c = new byte[b.length + insert.length];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(insert, 0, c, at, insert.length);
          System.arraycopy(b, at, c, at + insert.length, b.length - at);
          b = c;
        }
      }
    }
    return b;
  }
}

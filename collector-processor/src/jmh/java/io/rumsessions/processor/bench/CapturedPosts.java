package io.rumsessions.processor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.rumsessions.processor.receive.MalformedPayloadException;
import io.rumsessions.processor.receive.OtlpJsonDecoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The OTLP/JSON bodies the OpenTelemetry JS web SDK posted from Chromium (test fixtures), for the benchmarks. */
public final class CapturedPosts {
  private CapturedPosts() {}

  /** Each post's body, in the order captured. */
  public static List<byte[]> bodies() {
    List<byte[]> bodies = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = CapturedPosts.class.getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!l.isBlank()) bodies.add(json.readTree(l).get("body").asText().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bodies;
  }

  /** Every post's spans in one request, {@code copies} times over, as a Collector batches them. */
  public static ExportTraceServiceRequest batch(int copies) throws IOException, MalformedPayloadException {
    OtlpJsonDecoder decoder = new OtlpJsonDecoder();
    List<byte[]> bodies = bodies();
    ExportTraceServiceRequest.Builder all = ExportTraceServiceRequest.newBuilder();
    for (int copy = 0; copy < copies; copy++) {
      for (byte[] b : bodies) all.addAllResourceSpans(decoder.decode(new ByteArrayInputStream(b)).getResourceSpansList());
    }
    return all.build();
  }
}

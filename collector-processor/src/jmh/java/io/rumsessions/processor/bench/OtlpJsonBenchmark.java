package io.rumsessions.processor.bench;

import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.receive.OtlpJsonDecoder;
import io.rumsessions.processor.receive.OtlpJsonSpans;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The OTLP/JSON receive path on what the OpenTelemetry JS web SDK really posted: the six captured
 * requests (16 spans, 25 KB) per operation, each checked and mapped span by span as the pipeline
 * does, through the message decoder (OtlpJsonDecoder + MessageSpans, the path before #22) and read
 * in place (OtlpJsonSpans): as plain JSON, and with Jackson's tokens, as a body with anything
 * unusual is read. With {@code -prof gc}, bytes allocated per operation ÷ 6 is the allocation per
 * request, ÷ 16 per span.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OtlpJsonBenchmark {
  final List<byte[]> posts = new ArrayList<>();
  /** The same posts, each with a field whose name is escaped ({@code "\\u0078"}) in front: not plain, so read with Jackson's tokens. */
  final List<byte[]> unusualPosts = new ArrayList<>();
  final InputMapping mapping = new InputMapping(ProcessorConfig.defaults().input(), ProcessorConfig.defaults().consent());
  final SpanFacts facts = new SpanFacts();
  final OtlpJsonDecoder decoder = new OtlpJsonDecoder();
  OtlpJsonSpans reader;

  @Setup
  public void setUp() throws Exception {
    posts.addAll(CapturedPosts.bodies());
    byte[] prefix = "{\"\\u0078\":0,".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (byte[] post : posts) {
      byte[] unusual = new byte[prefix.length + post.length - 1];
      System.arraycopy(prefix, 0, unusual, 0, prefix.length);
      System.arraycopy(post, 1, unusual, prefix.length, post.length - 1);
      unusualPosts.add(unusual);
    }
  }

  /** Before #22: every post decoded into a protobuf message, then mapped. */
  @Benchmark
  public int messages() throws Exception {
    int n = 0;
    for (byte[] post : posts) n += SpanWalk.mapAll(new MessageSpans(decoder.decode(new ByteArrayInputStream(post))), mapping, facts);
    return n;
  }

  /** Every post checked and read in place, into one reader used again (as a receiver thread does). */
  @Benchmark
  public int inPlace() throws Exception {
    return inPlace(posts);
  }

  /** As {@link #inPlace}, on posts that are not plain JSON: Jackson's tokens (the path before the plain reader). */
  @Benchmark
  public int inPlaceWithJackson() throws Exception {
    return inPlace(unusualPosts);
  }

  private int inPlace(List<byte[]> bodies) throws Exception {
    int n = 0;
    for (byte[] post : bodies) {
      reader = (OtlpJsonSpans) decoder.spans(post, post.length, reader);
      n += SpanWalk.mapAll(reader, mapping, facts);
    }
    return n;
  }

}

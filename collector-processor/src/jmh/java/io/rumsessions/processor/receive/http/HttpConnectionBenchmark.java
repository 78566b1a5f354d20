package io.rumsessions.processor.receive.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The HTTP/1.1 side of a browser's post, without sockets: the six requests the OpenTelemetry JS
 * web SDK sent from Chromium (their captured headers and bodies, 4.2 KB on average), each parsed by
 * Netty's codec and {@link HttpConnection} (read timeout armed, body copied once into its array,
 * handed to the worker, answered {@code 200 {}} on a kept-alive connection) on an {@link
 * EmbeddedChannel}, with a handler that does no OTLP work. What it leaves out, the sockets' system
 * calls and the worker hand-off between threads, is what {@code bench/HttpServerCost} adds back.
 * Per request = time per operation ÷ 6; with {@code -prof gc}, the same for allocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpConnectionBenchmark {
  private final List<byte[]> requests = new ArrayList<>();
  private final BodyBudget budget = new BodyBudget(64L << 20);
  private EmbeddedChannel channel;

  /** Reads the body the connection gathered and answers as the OTLP/JSON receiver does on success. */
  private final HttpRequestHandler handler = new HttpRequestHandler() {
    @Override
    public Start begin(HttpRequest head) {
      return new ReadBody(HttpBody.reserve(budget, HttpUtil.getContentLength(head, -1L), 4 << 20, () -> {}));
    }

    @Override
    public void complete(HttpRequest head, HttpBody body, InetSocketAddress peer, java.util.function.Consumer<FullHttpResponse> reply) {
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.wrappedBuffer(body.length() > 0 && body.bytes()[0] == '{' ? OK : FAILED));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      reply.accept(r);
    }

    @Override
    public FullHttpResponse tooLarge(HttpRequest head) {
      throw new IllegalStateException("a captured post is not too large");
    }

    @Override
    public FullHttpResponse closing(HttpRequest head) {
      throw new IllegalStateException("not closing");
    }

    @Override
    public void count(String outcome) {
      throw new IllegalStateException("unexpected outcome " + outcome);
    }
  };
  private static final InetSocketAddress BROWSER = new InetSocketAddress("203.0.113.7", 51234);
  private static final byte[] OK = "{}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FAILED = "{\"code\":3}".getBytes(StandardCharsets.UTF_8);

  @Setup
  public void setUp() throws Exception {
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = HttpConnectionBenchmark.class.getResourceAsStream("/fixtures/otel-web-chromium-visits.jsonl")) {
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (l.isBlank()) continue;
        JsonNode post = json.readTree(l);
        byte[] body = post.get("body").asText().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST /v1/traces HTTP/1.1\r\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = post.get("hdr").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> h = it.next();
          if (h.getKey().equalsIgnoreCase("Content-Length")) continue;
          head.append(h.getKey()).append(": ").append(h.getValue().asText()).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        requests.add(request);
      }
    }
    HttpConnection connection = new HttpConnection(handler, Runnable::run, TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(60));
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(8192).setMaxHeaderSize(64 * 1024).setMaxChunkSize(64 * 1024);
    // A browser's address, as a socket channel has one (an embedded channel's own is not an IP address).
    channel = new EmbeddedChannel(connection.firstBytes(), new HttpServerCodec(decoder), connection) {
      @Override
      protected java.net.SocketAddress remoteAddress0() {
        return BROWSER;
      }
    };
    if (post() != requests.size()) throw new IllegalStateException("not every captured post was answered 200 {}");
  }

  @TearDown
  public void tearDown() {
    channel.finishAndReleaseAll();
  }

  /** The six posts on one kept-alive connection; returns how many were answered {@code 200 {}}. */
  @Benchmark
  public int post() {
    int answered = 0;
    for (byte[] r : requests) {
      channel.writeInbound(Unpooled.wrappedBuffer(r));
      for (Object out; (out = channel.readOutbound()) != null; ) {
        ByteBuf b = (ByteBuf) out;
        if (b.readableBytes() > 12 && b.getByte(9) == '2' && b.getByte(10) == '0' && b.getByte(11) == '0'
            && b.getByte(b.writerIndex() - 1) == '}' && b.getByte(b.writerIndex() - 2) == '{') {
          answered++;
        }
        b.release();
      }
    }
    return answered;
  }
}

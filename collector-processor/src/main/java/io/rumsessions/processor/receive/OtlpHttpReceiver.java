package io.rumsessions.processor.receive;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.config.ReceiverConfig;
import io.rumsessions.processor.durability.StateUnavailableException;
import io.rumsessions.processor.identity.ClientAddress;
import io.rumsessions.processor.ingest.IngestResult;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.metrics.RumMetrics;
import io.rumsessions.processor.receive.http.BodyBudget;
import io.rumsessions.processor.receive.http.EventLoopHttpServer;
import io.rumsessions.processor.receive.http.HttpBody;
import io.rumsessions.processor.receive.http.HttpRequestHandler;
import io.rumsessions.processor.receive.http.PathHandler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * OTLP/HTTP trace receiver: {@code POST /v1/traces} with {@code application/x-protobuf} or
 * {@code application/json}, optionally gzip-compressed, answered as the OTLP specification
 * says (200 with partial success, 400 with a Status, 413, 415, 429/503 with Retry-After), with
 * CORS for browsers posting directly.
 *
 * <p>On Netty's HTTP/1.1 codec ({@link EventLoopHttpServer}): the JDK's server cost ~42 µs of CPU
 * and two thirds of the allocation of a small request, Netty's codec ~17 µs (bench/RESULTS.md,
 * "The JSON path (#22)"). What can be refused from the request head (415, 413 by Content-Length,
 * the memory limiter) is refused on the event loop; a small request is ingested there too when a
 * decoding permit is free ({@link #completeNow}), the rest runs on a worker.
 *
 * <p>Other paths are answered by handlers given to {@link #serve}, so the same port can serve
 * e.g. {@code /rum.js}.
 */
public final class OtlpHttpReceiver implements AutoCloseable, HttpRequestHandler {
  private static final String TRACES = "/v1/traces";
  /** Bodies up to this size are ingested on the event loop (browsers post a few KB); larger ones on a worker. */
  static final int INLINE_BYTES = 64 * 1024;

  private final ReceiverConfig config;
  private final ConsentConfig consent;
  private final ClientAddress clientAddress;
  private final SpanPipeline pipeline;
  private final RumMetrics metrics;
  private final Admission admission;
  private final BodyBudget bodies;
  private final int maxBody;
  private final String retryAfter;
  private final OtlpJsonDecoder json = new OtlpJsonDecoder();
  /** Each worker's or event loop's JSON reader, used again for its next request (ingest is done with it by then). */
  private final ThreadLocal<OtlpJsonSpans> jsonReaders = new ThreadLocal<>();
  /** The same for OTLP protobuf. */
  private final ThreadLocal<OtlpWireSpans> wireReaders = ThreadLocal.withInitial(OtlpWireSpans::new);
  /** Per event loop: the requests it reads together share an fsync. */
  private final ThreadLocal<LoopBatch> loopBatches;
  private final Map<String, PathHandler> paths = new HashMap<>();
  private final EventLoopHttpServer server;

  public OtlpHttpReceiver(ReceiverConfig config, ConsentConfig consent, SpanPipeline pipeline, RumMetrics metrics, Admission admission) {
    this.config = config;
    this.consent = consent;
    this.clientAddress = new ClientAddress(config.trustedProxies());
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.admission = admission;
    this.loopBatches = ThreadLocal.withInitial(() -> new LoopBatch(admission));
    // A body is one array: a limit configured past what an array holds is that much.
    this.maxBody = (int) Math.min(config.maxRequestBytes(), Integer.MAX_VALUE - 16);
    this.retryAfter = Long.toString(Math.max(1, config.retryAfter().toSeconds()));
    // At least as many workers as decoding permits. No worker waits for the fsync (the answer is
    // written by the state log's thread), so the bodies held are one of the largest size per worker.
    int threads = Math.max(config.httpThreads(), config.maxConcurrentRequests());
    this.bodies = new BodyBudget((long) threads * maxBody);
    this.server = new EventLoopHttpServer(new InetSocketAddress(config.host(), config.httpPort()), threads,
        config.readTimeout(), EventLoopHttpServer.IDLE_TIMEOUT, this);
  }

  /** Serves another path on the same port (e.g. {@code /rum.js}); call before {@link #start()}. */
  public void serve(String path, PathHandler handler) {
    paths.put(path, handler);
  }

  public void start() {
    server.start();
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return server.port();
  }

  @Override
  public Start begin(HttpRequest head) {
    String path = path(head.uri());
    HttpMethod method = head.method();
    if (path.equals(TRACES)) return traces(head, method);
    PathHandler other = paths.get(path);
    if (other != null) return new Answer(other.handle(head), false);
    FullHttpResponse r = method.equals(HttpMethod.OPTIONS)
        ? preflight()
        : OtlpHttpAnswers.text(404, "not found: OTLP/HTTP traces are accepted at POST /v1/traces\n");
    cors(head.headers(), r);
    return new Answer(r, false);
  }

  private Start traces(HttpRequest head, HttpMethod method) {
    HttpHeaders h = head.headers();
    if (method.equals(HttpMethod.OPTIONS)) {
      FullHttpResponse r = cors(h, null) ? preflight() : OtlpHttpAnswers.text(403, "origin not allowed\n");
      cors(h, r);
      return new Answer(r, false);
    }
    if (!method.equals(HttpMethod.POST)) {
      FullHttpResponse r = OtlpHttpAnswers.text(405, "method not allowed: use POST\n");
      r.headers().set(HttpHeaderNames.ALLOW, "POST, OPTIONS");
      cors(h, r);
      return new Answer(r, false);
    }
    String type = h.get(HttpHeaderNames.CONTENT_TYPE);
    boolean isJson = isMediaType(type, OtlpHttpAnswers.JSON);
    if (!isJson && !isMediaType(type, OtlpHttpAnswers.PROTOBUF)) {
      return refuse(h, "unsupported_media_type", OtlpHttpAnswers.text(415, "unsupported content type '" + mediaType(type)
          + "': use " + OtlpHttpAnswers.PROTOBUF + " or " + OtlpHttpAnswers.JSON + "\n"));
    }
    if (admission.memoryLimited()) {
      return refuse(h, "memory_limited", retryLater(OtlpHttpAnswers.error(429, isJson,
          "the processor's memory is above receiver.memory-limit, retry later")));
    }
    long declared = HttpUtil.getContentLength(head, -1L);
    if (declared > maxBody) {
      return refuse(h, "too_large", OtlpHttpAnswers.error(413, isJson,
          "request body of " + declared + " bytes exceeds the limit of " + config.maxRequestBytes()));
    }
    // The body is read before a decoding permit is taken, so a client trickling its body holds
    // part of the body budget (until the read timeout closes its connection), never a permit.
    HttpBody body = HttpBody.reserve(bodies, declared, maxBody, admission::arrived);
    if (body == null) {
      return refuse(h, "overloaded", retryLater(OtlpHttpAnswers.error(429, isJson,
          "too many request bodies being received, retry later")));
    }
    // From its head on, the request is one the group commit may wait for.
    admission.arriving();
    return new ReadBody(body);
  }

  private Answer refuse(HttpHeaders h, String outcome, FullHttpResponse r) {
    metrics.request("http", outcome);
    cors(h, r);
    return new Answer(r, true);
  }

  @Override
  public FullHttpResponse tooLarge(HttpRequest head) {
    boolean isJson = isMediaType(head.headers().get(HttpHeaderNames.CONTENT_TYPE), OtlpHttpAnswers.JSON);
    return refuse(head.headers(), "too_large", OtlpHttpAnswers.error(413, isJson,
        new BoundedInputStream.TooLargeException(config.maxRequestBytes()).getMessage())).response();
  }

  @Override
  public FullHttpResponse closing(HttpRequest head) {
    boolean isJson = isMediaType(head.headers().get(HttpHeaderNames.CONTENT_TYPE), OtlpHttpAnswers.JSON);
    return refuse(head.headers(), "overloaded", retryLater(OtlpHttpAnswers.error(503, isJson, "shutting down"))).response();
  }

  @Override
  public void count(String outcome) {
    metrics.request("http", outcome);
  }

  @Override
  public void complete(HttpRequest head, HttpBody body, InetSocketAddress peerAddress, Consumer<FullHttpResponse> reply) {
    HttpHeaders h = head.headers();
    boolean isJson = isMediaType(h.get(HttpHeaderNames.CONTENT_TYPE), OtlpHttpAnswers.JSON);
    ingest(h, isJson, body, peerAddress, withCors(h, reply));
  }

  /**
   * A small request without Content-Encoding, and a decoding permit free: ingested on the event loop
   * that read it (~a browser's post: tens of µs), sparing two thread hand-offs. The rest goes to a
   * worker, which may wait for a permit and inflate.
   */
  @Override
  public boolean completeNow(HttpRequest head, HttpBody body, InetSocketAddress peerAddress, Consumer<FullHttpResponse> reply,
      Executor loop) {
    HttpHeaders h = head.headers();
    if (body.length() > INLINE_BYTES || h.contains(HttpHeaderNames.CONTENT_ENCODING) || !admission.tryAcquire()) return false;
    boolean isJson = isMediaType(h.get(HttpHeaderNames.CONTENT_TYPE), OtlpHttpAnswers.JSON);
    loopBatches.get().join(loop);
    ingestHoldingPermit(h, isJson, body, peerAddress, withCors(h, reply));
    return true;
  }

  /** {@code reply}, with the CORS headers added to each answer first. */
  private Consumer<FullHttpResponse> withCors(HttpHeaders h, Consumer<FullHttpResponse> reply) {
    return r -> {
      cors(h, r);
      reply.accept(r);
    };
  }

  private void ingest(HttpHeaders h, boolean isJson, HttpBody body, InetSocketAddress peerAddress, Consumer<FullHttpResponse> reply) {
    if (!admission.tryAcquire(config.retryAfter().toMillis())) {
      metrics.request("http", "overloaded");
      boolean closing = admission.closing();
      reply.accept(retryLater(OtlpHttpAnswers.error(closing ? 503 : 429, isJson, closing ? "shutting down" : "too many concurrent requests, retry later")));
      return;
    }
    ingestHoldingPermit(h, isJson, body, peerAddress, reply);
  }

  private void ingestHoldingPermit(HttpHeaders h, boolean isJson, HttpBody body, InetSocketAddress peerAddress,
      Consumer<FullHttpResponse> reply) {
    long started = System.nanoTime();
    // The permit bounds decoding and applying; the answer waits for the fsync on no thread.
    Runnable giveBack = admission.giveBackOnce(body::applied);
    // This thread's JSON reader, used again request after request; it lets go of the request below.
    OtlpJsonSpans reader = isJson ? jsonReaders.get() : null;
    OtlpWireSpans wireReader = isJson ? null : wireReaders.get();
    Consumer<FullHttpResponse> answer = r -> {
      reply.accept(r);
      metrics.ingestSeconds("http", (System.nanoTime() - started) / 1e9);
    };
    try {
      SpanSource request;
      try {
        byte[] bytes = body.bytes();
        int length = body.length();
        String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
          bytes = inflate(encoding, bytes, length);
          length = bytes.length;
        }
        // Both read in place: no protobuf message is built unless a span is forwarded.
        if (isJson) {
          request = json.spans(bytes, length, reader);
          if (request instanceof OtlpJsonSpans r) {
            reader = r;
            jsonReaders.set(r);
          }
        } else {
          request = OtlpWireSpans.read(bytes, length, wireReader);
        }
      } catch (BoundedInputStream.TooLargeException e) {
        metrics.request("http", "too_large");
        answer.accept(OtlpHttpAnswers.error(413, isJson, e.getMessage()));
        return;
      } catch (MalformedPayloadException e) {
        metrics.request("http", "malformed");
        answer.accept(OtlpHttpAnswers.error(400, isJson, e.getMessage()));
        return;
      } catch (IOException e) {
        metrics.request("http", "malformed");
        answer.accept(OtlpHttpAnswers.error(400, isJson, "invalid gzip body: " + e.getMessage()));
        return;
      }
      String peer = clientAddress.resolve(peerAddress.getAddress().getHostAddress(),
          h.get("X-Forwarded-For"), h.get("Forwarded"));
      String origin = h.get(HttpHeaderNames.ORIGIN);
      RequestContext ctx = new RequestContext("http", peer, origin != null ? h.get(HttpHeaderNames.USER_AGENT) : null,
          consent.header().isEmpty() ? SpanFacts.Consent.UNKNOWN : InputMapping.consentOf(h.get(consent.header())),
          "1".equals(trim(h.get("Sec-GPC"))), "1".equals(trim(h.get("DNT"))));
      pipeline.ingest(request, ctx, giveBack, new SpanPipeline.Acknowledgement() {
        @Override
        public void durable(IngestResult result) {
          metrics.request("http", result.rejected() > 0 ? "partial" : "ok");
          answer.accept(OtlpHttpAnswers.success(isJson, result));
        }

        @Override
        public void unavailable(StateUnavailableException e) {
          // Not durable, so not acknowledged: the client retries and nothing is lost.
          metrics.request("http", "unavailable");
          answer.accept(retryLater(OtlpHttpAnswers.error(503, isJson, e.getMessage())));
        }
      });
    } finally {
      if (reader != null && !reader.release()) jsonReaders.remove();
      if (wireReader != null && !wireReader.release()) wireReaders.remove();
      giveBack.run();
    }
  }

  /** The inflated body; its size is bounded too: a small gzip body must not inflate without limit. */
  private byte[] inflate(String encoding, byte[] bytes, int length) throws IOException {
    if (!encoding.equalsIgnoreCase("gzip")) throw new ZipException("unsupported Content-Encoding '" + encoding + "' (use gzip)");
    try (InputStream in = new BoundedInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes, 0, length), 8192),
        config.maxRequestBytes())) {
      return in.readAllBytes();
    }
  }

  private FullHttpResponse retryLater(FullHttpResponse r) {
    r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
    return r;
  }

  /**
   * Adds the CORS headers to {@code r} (if not null) when the request's Origin is allowed; says
   * whether it was (a request without Origin is not a browser's cross-origin one: allowed).
   */
  private boolean cors(HttpHeaders h, FullHttpResponse r) {
    String origin = h.get(HttpHeaderNames.ORIGIN);
    if (origin == null) return true;
    if (!config.cors().allows(origin)) return false;
    if (r != null) {
      r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, config.cors().allowedOrigins().contains("*") ? "*" : origin);
      r.headers().add(HttpHeaderNames.VARY, "Origin");
    }
    return true;
  }

  private FullHttpResponse preflight() {
    FullHttpResponse r = OtlpHttpAnswers.text(204, "");
    r.headers().remove(HttpHeaderNames.CONTENT_TYPE);
    r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS");
    r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, String.join(", ", config.cors().allowedHeaders()));
    r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, Long.toString(config.cors().maxAge().toSeconds()));
    return r;
  }

  /** The request target's path: without the query, and without scheme and authority if absolute. */
  private static String path(String uri) {
    int start = 0;
    if (!uri.startsWith("/")) {
      int scheme = uri.indexOf("://");
      start = scheme < 0 ? 0 : uri.indexOf('/', scheme + 3);
      if (start < 0) return "/";
    }
    int end = uri.indexOf('?', start);
    int hash = uri.indexOf('#', start);
    if (hash >= 0 && (end < 0 || hash < end)) end = hash;
    return start == 0 && end < 0 ? uri : uri.substring(start, end < 0 ? uri.length() : end);
  }

  /** Whether the Content-Type header names {@code type}, case-insensitively, its parameters ignored; without allocating. */
  static boolean isMediaType(String header, String type) {
    if (header == null) return false;
    int from = 0;
    int to = header.indexOf(';');
    if (to < 0) to = header.length();
    while (from < to && Character.isWhitespace(header.charAt(from))) from++;
    while (to > from && Character.isWhitespace(header.charAt(to - 1))) to--;
    return to - from == type.length() && header.regionMatches(true, from, type, 0, type.length());
  }

  private static String mediaType(String header) {
    if (header == null) return "";
    int semi = header.indexOf(';');
    return (semi >= 0 ? header.substring(0, semi) : header).trim().toLowerCase(Locale.ROOT);
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }

  @Override
  public void close() {
    server.close();
  }
}

package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.rpc.Status;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.rumsessions.processor.config.ConsentConfig;
import io.rumsessions.processor.config.ReceiverConfig;
import io.rumsessions.processor.identity.ClientAddress;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.durability.StateUnavailableException;
import io.rumsessions.processor.ingest.IngestResult;
import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.ingest.SpanPipeline;
import io.rumsessions.processor.metrics.RumMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * OTLP/HTTP trace receiver: {@code POST /v1/traces} with {@code application/x-protobuf} or
 * {@code application/json}, optionally gzip-compressed, answered as the OTLP specification
 * says (200 with partial success, 400 with a Status, 413, 415, 429/503 with Retry-After), with
 * CORS for browsers posting directly. Built on the JDK's HTTP server: no extra dependency, and
 * the request path is short enough that its simple threading model is not the bottleneck.
 *
 * <p>Other paths are delegated to {@code extraHandlers}, so the same port can serve e.g.
 * {@code /rum.js}.
 */
public final class OtlpHttpReceiver implements AutoCloseable {
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";

  static {
    // The JDK server writes the response headers and the body in two writes; with Nagle's
    // algorithm on, the body waits for the ACK of the headers, which a client delays by up to
    // 40 ms (delayed ACK): every keep-alive request then takes ~40 ms (measured with
    // bench/rum-bench: JSON/HTTP p50 45 ms and 2.6k spans per CPU-second before, 0.5 ms and
    // 13k after). The server reads this property once, when the first HttpServer is created
    // in the JVM; an explicit -Dsun.net.httpserver.nodelay=false still wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final ReceiverConfig config;
  private final ConsentConfig consent;
  private final ClientAddress clientAddress;
  private final SpanPipeline pipeline;
  private final RumMetrics metrics;
  private final Admission admission;
  private final OtlpJsonDecoder json = new OtlpJsonDecoder();
  /** Each receiver thread's JSON reader, used again for its next request (ingest is done with it by then). */
  private final ThreadLocal<OtlpJsonSpans> jsonReaders = new ThreadLocal<>();
  private final HttpServer server;
  private final ExecutorService executor;
  private final long readTimeoutNanos;

  /** The exchange on this thread: when the server handed it over, and whether it reached {@link #handlePost}. */
  private static final ThreadLocal<Tracked> CURRENT = new ThreadLocal<>();

  /**
   * One exchange of the JDK server, submitted when its first byte arrived. One that never reaches
   * the handler yet ran for the read timeout had its connection closed while its line or headers
   * trickled in: counted as a {@code timeout}, since the JDK server closes it silently.
   */
  private final class Tracked implements Runnable {
    final Runnable task;
    final long submitted = System.nanoTime();
    boolean handled;

    Tracked(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      CURRENT.set(this);
      try {
        task.run();
      } finally {
        CURRENT.remove();
        if (!handled && timedOut(this)) metrics.request("http", "timeout");
      }
    }
  }

  /** Whether the exchange has run for the read timeout (less the 50 ms the two clocks may differ). */
  private boolean timedOut(Tracked t) {
    return t != null && System.nanoTime() - t.submitted >= readTimeoutNanos - 50_000_000L;
  }

  public OtlpHttpReceiver(ReceiverConfig config, ConsentConfig consent, SpanPipeline pipeline, RumMetrics metrics, Admission admission) throws IOException {
    this.config = config;
    this.consent = consent;
    this.clientAddress = new ClientAddress(config.trustedProxies());
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.admission = admission;
    // Slow-loris: the JDK server reads a request's line, headers and body on an executor thread,
    // blocking, with no timeout of its own unless sun.net.httpserver.maxReqTime (whole seconds,
    // from the request's first byte until its body has been read) is set; then a timer closes
    // the connection, which frees the thread. The server reads it once, when the JVM's first
    // HttpServer is created (here, before the metrics server): it is JVM-wide, and an explicit
    // -Dsun.net.httpserver.maxReqTime wins.
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime",
          Long.toString(Math.max(1, (config.readTimeout().toMillis() + 999) / 1000)));
    }
    this.readTimeoutNanos = Math.max(1, Long.getLong("sun.net.httpserver.maxReqTime", 1)) * 1_000_000_000L;
    this.server = HttpServer.create(new InetSocketAddress(config.host(), config.httpPort()), 1024);
    // More threads than decoding permits: a thread held by a slow client (until the read
    // timeout) is not one a fast client waits for. Decoding stays bounded by the permits.
    int threads = Math.max(config.httpThreads(), config.maxConcurrentRequests());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "otlp-http");
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.executor = pool;
    server.setExecutor(task -> executor.execute(new Tracked(task)));
    server.createContext("/v1/traces", this::handleTraces);
    server.createContext("/", this::handleOther);
  }

  /** Serves another path on the same port (e.g. {@code /rum.js}); call before {@link #start()}. */
  public void serve(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  public void start() {
    server.start();
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handleOther(HttpExchange ex) throws IOException {
    try (ex) {
      drain(ex);
      cors(ex);
      if (ex.getRequestMethod().equals("OPTIONS")) {
        preflight(ex);
        return;
      }
      sendText(ex, 404, "not found: OTLP/HTTP traces are accepted at POST /v1/traces\n");
    }
  }

  private void handleTraces(HttpExchange ex) throws IOException {
    try (ex) {
      boolean allowedOrigin = cors(ex);
      String method = ex.getRequestMethod();
      if (method.equals("OPTIONS")) {
        drain(ex);
        if (allowedOrigin) preflight(ex);
        else sendText(ex, 403, "origin not allowed\n");
        return;
      }
      if (!method.equals("POST")) {
        drain(ex);
        ex.getResponseHeaders().set("Allow", "POST, OPTIONS");
        sendText(ex, 405, "method not allowed: use POST\n");
        return;
      }
      handlePost(ex);
    }
  }

  private void handlePost(HttpExchange ex) throws IOException {
    Tracked tracked = CURRENT.get();
    if (tracked != null) tracked.handled = true;
    Headers h = ex.getRequestHeaders();
    String contentType = mediaType(h.getFirst("Content-Type"));
    boolean isJson = contentType.equals(JSON);
    if (!isJson && !contentType.equals(PROTOBUF)) {
      drain(ex);
      metrics.request("http", "unsupported_media_type");
      sendText(ex, 415, "unsupported content type '" + contentType + "': use " + PROTOBUF + " or " + JSON + "\n");
      return;
    }
    if (admission.memoryLimited()) {
      drain(ex);
      metrics.request("http", "memory_limited");
      ex.getResponseHeaders().set("Retry-After", Long.toString(Math.max(1, config.retryAfter().toSeconds())));
      sendError(ex, 429, isJson, "the processor's memory is above receiver.memory-limit, retry later");
      return;
    }
    long declared = parseLength(h.getFirst("Content-Length"));
    if (declared > config.maxRequestBytes()) {
      drain(ex);
      metrics.request("http", "too_large");
      sendError(ex, 413, isJson, "request body of " + declared + " bytes exceeds the limit of " + config.maxRequestBytes());
      return;
    }
    // The body is read before a decoding permit is taken, so a client trickling its body holds a
    // thread (until the read timeout closes its connection), never a permit. At most
    // receiver.http-threads bodies of at most max-request-bytes are held at once.
    byte[] raw;
    try (InputStream in = new BoundedInputStream(ex.getRequestBody(), config.maxRequestBytes())) {
      raw = declared >= 0 ? readDeclared(in, (int) declared) : in.readAllBytes();
    } catch (BoundedInputStream.TooLargeException e) {
      drain(ex);
      metrics.request("http", "too_large");
      sendError(ex, 413, isJson, e.getMessage());
      return;
    } catch (IOException e) {
      // The connection was closed under the read: by the read timeout, or by the client.
      metrics.request("http", timedOut(tracked) ? "timeout" : "incomplete");
      return;
    }
    if (!admission.tryAcquire(config.retryAfter().toMillis())) {
      metrics.request("http", "overloaded");
      boolean closing = admission.closing();
      ex.getResponseHeaders().set("Retry-After", Long.toString(Math.max(1, config.retryAfter().toSeconds())));
      sendError(ex, closing ? 503 : 429, isJson, closing ? "shutting down" : "too many concurrent requests, retry later");
      return;
    }
    long started = System.nanoTime();
    // The permit bounds decoding and applying; it is given back before the wait for the fsync, so
    // that requests waiting together (up to receiver.http-threads) share one (group commit).
    boolean[] released = {false};
    Runnable giveBack = () -> {
      if (!released[0]) {
        released[0] = true;
        admission.release();
      }
    };
    // This thread's JSON reader, used again request after request; it lets go of the request below.
    OtlpJsonSpans reader = isJson ? jsonReaders.get() : null;
    try {
      SpanSource request;
      try (InputStream body = body(ex, raw)) {
        byte[] bytes = body instanceof java.io.ByteArrayInputStream ? raw : body.readAllBytes();
        // Both read in place: no protobuf message is built unless a span is forwarded.
        if (isJson) {
          request = json.spans(bytes, bytes.length, reader);
          if (request instanceof OtlpJsonSpans r) {
            reader = r;
            jsonReaders.set(r);
          }
        } else {
          request = OtlpWireSpans.read(bytes, bytes.length);
        }
      } catch (BoundedInputStream.TooLargeException e) {
        metrics.request("http", "too_large");
        sendError(ex, 413, isJson, e.getMessage());
        return;
      } catch (MalformedPayloadException e) {
        metrics.request("http", "malformed");
        sendError(ex, 400, isJson, e.getMessage());
        return;
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        metrics.request("http", "malformed");
        sendError(ex, 400, isJson, "invalid gzip body: " + e.getMessage());
        return;
      }
      String peer = clientAddress.resolve(ex.getRemoteAddress().getAddress().getHostAddress(),
          h.getFirst("X-Forwarded-For"), h.getFirst("Forwarded"));
      String origin = h.getFirst("Origin");
      RequestContext ctx = new RequestContext("http", peer, origin != null ? h.getFirst("User-Agent") : null,
          consent.header().isEmpty() ? SpanFacts.Consent.UNKNOWN : InputMapping.consentOf(h.getFirst(consent.header())),
          "1".equals(trim(h.getFirst("Sec-GPC"))), "1".equals(trim(h.getFirst("DNT"))));
      IngestResult result;
      try {
        result = pipeline.ingest(request, ctx, giveBack);
      } catch (StateUnavailableException e) {
        // Not durable, so not acknowledged: the client retries and nothing is lost.
        metrics.request("http", "unavailable");
        ex.getResponseHeaders().set("Retry-After", Long.toString(Math.max(1, config.retryAfter().toSeconds())));
        sendError(ex, 503, isJson, e.getMessage());
        return;
      }
      metrics.request("http", result.rejected() > 0 ? "partial" : "ok");
      sendSuccess(ex, isJson, result);
    } finally {
      if (reader != null && !reader.release()) jsonReaders.remove();
      giveBack.run();
      metrics.ingestSeconds("http", (System.nanoTime() - started) / 1e9);
    }
  }

  /**
   * A body of declared length, read into an array of that size: readAllBytes grew 8 KB buffers and
   * copied them into a last one, a quarter of what a JSON request allocated (JFR, #22).
   */
  private static byte[] readDeclared(InputStream in, int length) throws IOException {
    byte[] b = new byte[length];
    if (in.readNBytes(b, 0, length) < length) throw new java.io.EOFException("the body ended before its declared length");
    // Reading to the end marks the JDK's body stream finished; else closing the exchange "drains"
    // it through a new 2 KB array (9 % of what a replayed request allocated).
    in.read();
    return b;
  }

  private InputStream body(HttpExchange ex, byte[] bytes) throws IOException {
    InputStream raw = new java.io.ByteArrayInputStream(bytes);
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) return raw;
    if (encoding.equalsIgnoreCase("gzip")) {
      // The decompressed size is bounded too: a small gzip body must not inflate without limit.
      return new BoundedInputStream(new GZIPInputStream(raw, 8192), config.maxRequestBytes());
    }
    throw new java.util.zip.ZipException("unsupported Content-Encoding '" + encoding + "' (use gzip)");
  }

  private static long parseLength(String s) {
    if (s == null) return -1;
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Adds CORS response headers when the request's Origin is allowed; says whether it was. */
  private boolean cors(HttpExchange ex) {
    String origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) return true;
    if (!config.cors().allows(origin)) return false;
    Headers r = ex.getResponseHeaders();
    r.set("Access-Control-Allow-Origin", config.cors().allowedOrigins().contains("*") ? "*" : origin);
    r.add("Vary", "Origin");
    return true;
  }

  private void preflight(HttpExchange ex) throws IOException {
    Headers r = ex.getResponseHeaders();
    r.set("Access-Control-Allow-Methods", "POST, OPTIONS");
    r.set("Access-Control-Allow-Headers", String.join(", ", config.cors().allowedHeaders()));
    r.set("Access-Control-Max-Age", Long.toString(config.cors().maxAge().toSeconds()));
    ex.sendResponseHeaders(204, -1);
  }

  private static void sendSuccess(HttpExchange ex, boolean isJson, IngestResult result) throws IOException {
    byte[] body;
    if (isJson) {
      body = result.rejected() == 0
          ? "{}".getBytes(StandardCharsets.UTF_8)
          : ("{\"partialSuccess\":{\"rejectedSpans\":\"" + result.rejected() + "\",\"errorMessage\":"
              + jsonString(result.errorMessage()) + "}}").getBytes(StandardCharsets.UTF_8);
    } else {
      ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
      if (result.rejected() > 0) {
        b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(result.rejected()).setErrorMessage(result.errorMessage()));
      }
      body = b.build().toByteArray();
    }
    send(ex, 200, isJson ? JSON : PROTOBUF, body);
  }

  /** Errors carry a google.rpc.Status, in the encoding of the request, as OTLP/HTTP says. */
  private static void sendError(HttpExchange ex, int code, boolean isJson, String message) throws IOException {
    int grpcCode = switch (code) {
      case 400 -> 3; // INVALID_ARGUMENT
      case 413 -> 11; // OUT_OF_RANGE
      case 429 -> 8; // RESOURCE_EXHAUSTED
      default -> 14; // UNAVAILABLE
    };
    if (isJson) {
      send(ex, code, JSON, ("{\"code\":" + grpcCode + ",\"message\":" + jsonString(message) + "}").getBytes(StandardCharsets.UTF_8));
    } else {
      send(ex, code, PROTOBUF, Status.newBuilder().setCode(grpcCode).setMessage(message).build().toByteArray());
    }
  }

  private static void sendText(HttpExchange ex, int code, String text) throws IOException {
    send(ex, code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void drain(HttpExchange ex) {
    // Reads (a bounded amount of) an unread body so the connection can be reused; a request
    // that declares no body is left alone, since reading it would wait for the peer.
    Headers h = ex.getRequestHeaders();
    if (parseLength(h.getFirst("Content-Length")) <= 0 && h.getFirst("Transfer-Encoding") == null) return;
    // read(), not skip(): the JDK server's body stream inherits FilterInputStream.skip, which
    // skips on the raw socket past the body's end and blocks for bytes that never come.
    // Up to 64 MiB is read and discarded so that the client sees our answer (e.g. 413): closing
    // a socket with unread input resets it, and the client would see a broken connection.
    try (InputStream in = ex.getRequestBody()) {
      byte[] buf = new byte[8192];
      long budget = 64L << 20;
      for (int n; budget > 0 && (n = in.read(buf)) > 0; ) budget -= n;
    } catch (IOException ignored) {
      // the connection is closed with the exchange anyway
    }
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }

  private static String mediaType(String header) {
    if (header == null) return "";
    int semi = header.indexOf(';');
    return (semi >= 0 ? header.substring(0, semi) : header).trim().toLowerCase(Locale.ROOT);
  }

  /** A JSON string literal (Jackson's escaping). */
  static String jsonString(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.rumsessions.processor.receive.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One HTTP/1.1 connection, on its event loop: reads a request's head and body without blocking,
 * hands a complete request to a worker (ingest blocks on the fsync) and writes its answer, one
 * request at a time.
 *
 * <ul>
 *   <li><b>Read timeout (slow-loris).</b> From a request's first byte to the end of its body at
 *       most {@code readTimeout}; else the connection is closed and the request counted
 *       {@code timeout}. The first byte is seen by {@link #firstBytes()}, ahead of the codec,
 *       since the codec shows nothing of a head that never ends.
 *   <li><b>Idle timeout.</b> A connection with no request under way (a new one, or kept alive
 *       between requests) is closed after {@code idleTimeout}, silently.
 *   <li><b>Order.</b> Answers go out in the order of the requests: a pipelined request decoded
 *       while another is answered waits in {@link #waiting}, and the connection is read no
 *       further until the answer is out. Clients that wait for each answer (browsers, the
 *       Collector, the JDK's client) never get there, and pay for no read toggling.
 *   <li><b>Refused bodies.</b> A request answered without its body (413, 415, 404, …) still has
 *       its body read and discarded, up to 64 MiB, before the answer: closing a socket with unread
 *       input resets it, and the client would see a broken connection instead of the answer.
 * </ul>
 */
public final class HttpConnection extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(HttpConnection.class.getName());
  /** Most of a refused body read and discarded so that the client sees the answer. */
  static final long DISCARD_LIMIT = 64L << 20;
  private static final ByteProcessor LINE_END = b -> b == '\r' || b == '\n';

  private final HttpRequestHandler handler;
  private final Executor workers;
  private final long readTimeoutNanos;
  private final long idleTimeoutNanos;
  private final Runnable checkDeadline = this::checkDeadline;

  private ChannelHandlerContext ctx;
  /** When the connection is closed unless something happens first ({@code System.nanoTime}); MAX_VALUE: never. */
  private long deadline = Long.MAX_VALUE;
  private boolean checkScheduled;
  /** A request's first byte has arrived and its last has not. */
  private boolean reading;
  /** The request being read, and what to do with it; null between requests. */
  private HttpRequest head;
  private HttpRequestHandler.Start start;
  private boolean keepAlive;
  private long discarded;
  /** A complete request is being answered. */
  private boolean answering;
  /** Pipelined requests' parts decoded while another was answered; rarely any. */
  private ArrayDeque<HttpObject> waiting;

  HttpConnection(HttpRequestHandler handler, Executor workers, long readTimeoutNanos, long idleTimeoutNanos) {
    this.handler = handler;
    this.workers = workers;
    this.readTimeoutNanos = readTimeoutNanos;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  /** The handler to put ahead of the HTTP codec: it starts the read timeout at a request's first byte. */
  ChannelHandler firstBytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        // Line ends between requests (which some clients send after a body, and the codec skips)
        // begin no request: a kept-alive connection would be closed as timed out.
        if (!reading && msg instanceof ByteBuf b && b.forEachByte(LINE_END) >= 0) beginReading();
        c.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    idle();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject o)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (answering) {
      // Only a client that pipelines gets here: it is read no further until the answer is out.
      if (waiting == null) waiting = new ArrayDeque<>(4);
      waiting.add(o);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    handle(o);
  }

  private void handle(HttpObject o) {
    try {
      if (o instanceof HttpRequest h) {
        requestHead(h);
        if (head == null) return;
      }
      if (o instanceof HttpContent c && head != null) content(c);
    } finally {
      ReferenceCountUtil.release(o);
    }
  }

  private void requestHead(HttpRequest h) {
    if (!reading) beginReading();
    DecoderResult result = h.decoderResult();
    if (result.isFailure()) {
      // The codec reads nothing more from this connection: answer and close.
      reading = false;
      HttpResponseStatus status = result.cause() instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
          : result.cause() instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : HttpResponseStatus.BAD_REQUEST;
      answer(h, text(status, "bad request: " + result.cause().getMessage() + "\n"), false);
      return;
    }
    head = h;
    keepAlive = HttpUtil.isKeepAlive(h);
    discarded = 0;
    start = handler.begin(h);
    if (HttpUtil.is100ContinueExpected(h)) {
      if (start instanceof HttpRequestHandler.ReadBody) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
      } else {
        // The client waits for our word before sending the body: the answer is final, and since
        // it may send the body anyway, the connection ends with it.
        reading = false;
        HttpRequestHandler.Answer a = (HttpRequestHandler.Answer) start;
        head = null;
        start = null;
        answer(h, a.response(), false);
      }
    }
  }

  private void content(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      // A broken chunked body: the codec reads nothing more from this connection. A request
      // already refused (and counted) keeps its answer, so the answer and the count agree.
      HttpRequestHandler.Start s = start;
      if (s instanceof HttpRequestHandler.ReadBody) handler.count("malformed");
      abandon();
      answer(null, s instanceof HttpRequestHandler.Answer a ? a.response()
          : text(HttpResponseStatus.BAD_REQUEST, "bad request: " + c.decoderResult().cause().getMessage() + "\n"), false);
      return;
    }
    if (start instanceof HttpRequestHandler.ReadBody read) {
      if (!read.body().append(c.content())) {
        read.body().release();
        start = new HttpRequestHandler.Answer(handler.tooLarge(head), true);
        discarded = c.content().readableBytes();
      }
    } else {
      discarded += c.content().readableBytes();
      if (discarded > DISCARD_LIMIT) {
        keepAlive = false;
        endOfRequest();
        return;
      }
    }
    if (c instanceof LastHttpContent) endOfRequest();
  }

  /** The request has been read (or enough of it): answer it, on a worker if its body is to be ingested. */
  private void endOfRequest() {
    reading = false;
    HttpRequest h = head;
    HttpRequestHandler.Start s = start;
    head = null;
    start = null;
    boolean alive = keepAlive;
    if (s instanceof HttpRequestHandler.Answer a) {
      answer(h, a.response(), alive);
      return;
    }
    HttpBody body = ((HttpRequestHandler.ReadBody) s).body();
    answering = true;
    deadline = Long.MAX_VALUE;
    InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
    // The body's share of the budget goes back before its answer is written: a client that has its
    // answer may send the next body at once and find the budget as it left it.
    Consumer<FullHttpResponse> reply = response -> {
      body.release();
      write(h, response, alive);
    };
    boolean done = false;
    try {
      done = handler.completeNow(h, body, peer, reply, ctx.executor());
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "OTLP/HTTP request failed", e);
      body.release();
      ctx.close();
      return;
    }
    if (done) {
      body.release();
      return;
    }
    try {
      workers.execute(() -> {
        try {
          handler.complete(h, body, peer, reply);
        } catch (RuntimeException | Error e) {
          LOG.log(System.Logger.Level.ERROR, "OTLP/HTTP request failed", e);
          ctx.close();
        } finally {
          body.release();
        }
      });
    } catch (RejectedExecutionException closing) {
      body.release();
      write(h, handler.closing(h), alive);
    }
  }

  /** Answers on the event loop. */
  private void answer(HttpRequest h, FullHttpResponse response, boolean alive) {
    answering = true;
    deadline = Long.MAX_VALUE;
    write(h, response, alive);
  }

  /**
   * Writes the answer, from the event loop, a worker or the state log's thread (which touch no
   * other state of the connection); reading resumes, or the connection closes, once it is written.
   */
  private void write(HttpRequest h, FullHttpResponse response, boolean alive) {
    int code = response.status().code();
    if (code != 204 && code != 304 && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    }
    if (!alive) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    else if (h != null && h.protocolVersion().equals(HttpVersion.HTTP_1_0)) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    ctx.writeAndFlush(response).addListener(f -> answered(alive && f.isSuccess()));
  }

  /** On the event loop, once an answer is written. */
  private void answered(boolean alive) {
    answering = false;
    if (!alive) {
      ctx.close();
      return;
    }
    while (!answering && waiting != null && !waiting.isEmpty()) handle(waiting.poll());
    if (!answering) {
      if (!reading) idle();
      if (!ctx.channel().config().isAutoRead()) ctx.channel().config().setAutoRead(true);
    }
  }

  private void beginReading() {
    reading = true;
    setDeadline(System.nanoTime() + readTimeoutNanos);
  }

  private void idle() {
    setDeadline(System.nanoTime() + idleTimeoutNanos);
  }

  /**
   * One check at a time per connection, never further out than the read timeout: a new request's
   * deadline is then never before the pending check, so a request costs no timer of its own.
   */
  private void setDeadline(long at) {
    deadline = at;
    if (!checkScheduled) scheduleCheck();
  }

  private void scheduleCheck() {
    checkScheduled = true;
    long delay = Math.max(0, Math.min(deadline - System.nanoTime(), readTimeoutNanos));
    ctx.executor().schedule(checkDeadline, delay, TimeUnit.NANOSECONDS);
  }

  private void checkDeadline() {
    checkScheduled = false;
    if (!ctx.channel().isActive() || deadline == Long.MAX_VALUE) return;
    if (System.nanoTime() - deadline < 0) {
      scheduleCheck();
      return;
    }
    deadline = Long.MAX_VALUE;
    if (reading) {
      // A request that had begun and did not end in time; one already answered as refused
      // (its body being discarded) is counted already.
      boolean uncounted = !(start instanceof HttpRequestHandler.Answer a && a.counted());
      abandon();
      if (uncounted) handler.count("timeout");
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    deadline = Long.MAX_VALUE;
    // Its budget is given back before it is counted, as before an answer.
    boolean incomplete = reading && start instanceof HttpRequestHandler.ReadBody;
    abandon();
    if (incomplete) handler.count("incomplete");
    if (waiting != null) {
      waiting.forEach(ReferenceCountUtil::release);
      waiting.clear();
    }
    ctx.fireChannelInactive();
  }

  private void abandon() {
    reading = false;
    if (start instanceof HttpRequestHandler.ReadBody read) read.body().release();
    head = null;
    start = null;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or broken connection: nothing to answer.
    ctx.close();
  }

  public static FullHttpResponse text(HttpResponseStatus status, String text) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }
}

package io.rumsessions.processor.receive.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/** What an {@link HttpConnection} asks of the application: the receiver's side of a request. */
public interface HttpRequestHandler {
  /** What to do once a request's head has arrived. */
  sealed interface Start permits ReadBody, Answer {}

  /** Read the body into {@code body} (its budget taken), then call {@link #complete} on a worker. */
  record ReadBody(HttpBody body) implements Start {}

  /**
   * Discard the body, if any, then send {@code response}.
   *
   * @param counted whether the request's outcome is already counted (so a timeout while the body
   *     is discarded is not counted twice)
   */
  record Answer(FullHttpResponse response, boolean counted) implements Start {}

  /** On the event loop, at the end of the request head: must not block. */
  Start begin(HttpRequest head);

  /**
   * On a worker thread, with the whole body: answers through {@code reply}, exactly once, before
   * returning or later from another thread (ingest answers once the state log's fsync is made). The
   * body may be read until this returns.
   */
  void complete(HttpRequest head, HttpBody body, InetSocketAddress peer, Consumer<FullHttpResponse> reply);

  /**
   * On the event loop, with the whole body: either answers through {@code reply} (now or later,
   * as {@link #complete}) without blocking and returns true, or returns false and leaves the
   * request to {@link #complete} on a worker. A small request is then handled where it was read,
   * without two thread hand-offs. A task given to {@code loop} runs once the event loop is done
   * with the reads it is handling now: the requests that arrived together.
   */
  default boolean completeNow(HttpRequest head, HttpBody body, InetSocketAddress peer, Consumer<FullHttpResponse> reply,
      Executor loop) {
    return false;
  }

  /** A body without a Content-Length grew past the limit: the answer, its outcome counted. */
  FullHttpResponse tooLarge(HttpRequest head);

  /** No worker takes requests any more (the receiver is closing): the answer, its outcome counted. */
  FullHttpResponse closing(HttpRequest head);

  /**
   * Counts the outcome of a request the connection ended itself: {@code timeout}, {@code
   * incomplete} (the client closed mid-body), {@code malformed} (a broken chunked body).
   */
  void count(String outcome);
}

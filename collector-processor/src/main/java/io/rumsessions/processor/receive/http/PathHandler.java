package io.rumsessions.processor.receive.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Answers requests for a path other than {@code /v1/traces} on the OTLP/HTTP port (e.g.
 * {@code /rum.js}). Called on the event loop once any request body has been read and discarded,
 * so it must not block; the receiver adds {@code Connection} and {@code Content-Length}.
 */
@FunctionalInterface
public interface PathHandler {
  FullHttpResponse handle(HttpRequest request);
}

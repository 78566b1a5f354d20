package io.rumsessions.processor.ingest;

/**
 * What the receiver knows about the request that carried a batch.
 *
 * @param transport {@code http} or {@code grpc}
 * @param peerAddress the TCP peer's address
 * @param browserUserAgent the request's User-Agent when a browser posted directly (the request
 *     had an Origin header); null otherwise, since behind a Collector it is the Collector's
 */
public record RequestContext(String transport, String peerAddress, String browserUserAgent) {}

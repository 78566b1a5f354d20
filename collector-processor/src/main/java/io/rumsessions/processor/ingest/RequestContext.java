package io.rumsessions.processor.ingest;

import io.rumsessions.processor.input.SpanFacts;

/**
 * What the receiver knows about the request that carried a batch.
 *
 * @param transport {@code http} or {@code grpc}
 * @param peerAddress the client's address: the TCP peer, or the address a trusted proxy
 *     forwarded
 * @param browserUserAgent the request's User-Agent when a browser posted directly (the request
 *     had an Origin header); null otherwise, since behind a Collector it is the Collector's
 * @param headerConsent consent from the configured request header, UNKNOWN without one
 * @param globalPrivacyControl the request carried {@code Sec-GPC: 1}
 * @param doNotTrack the request carried {@code DNT: 1}
 */
public record RequestContext(
    String transport,
    String peerAddress,
    String browserUserAgent,
    SpanFacts.Consent headerConsent,
    boolean globalPrivacyControl,
    boolean doNotTrack) {

  /** A request with no consent signals of its own (gRPC, Collectors). */
  public static RequestContext plain(String transport, String peerAddress) {
    return new RequestContext(transport, peerAddress, null, SpanFacts.Consent.UNKNOWN, false, false);
  }
}

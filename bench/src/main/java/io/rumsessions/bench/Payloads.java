package io.rumsessions.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests encoded once, before anything is measured. Each is replayed with its visitors'
 * identity (session id, client address) and its trace ids rewritten in place to the replay's
 * generation, so that every pass over the pool is new sessions and new spans at the cost of one
 * array copy and a few byte writes.
 */
public final class Payloads {
  private static final byte[] ID = BrowserWorkload.GENERATION_PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ADDRESS = (BrowserWorkload.GENERATION_PLACEHOLDER.substring(0, 4) + ":"
      + BrowserWorkload.GENERATION_PLACEHOLDER.substring(4)).getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  /** A protobuf trace_id field (tag 1, 16 bytes) starting with the placeholder's four bytes. */
  private static final byte[] TRACE_ID = {0x0a, 0x10, 0x00, 0x00, (byte) 0xbe, (byte) 0xef};

  /** One encoded request: its bytes, where the generation goes, and how many spans it holds. */
  public record Payload(byte[] bytes, int[] idOffsets, int[] addressOffsets, int[] traceIdOffsets, int spans) {
    /** A copy with the generation written in (8 hex digits; the address form has a colon). */
    public byte[] forGeneration(int generation) {
      byte[] b = bytes.clone();
      for (int at : idOffsets) {
        for (int i = 0; i < 8; i++) b[at + i] = HEX[(generation >>> (28 - 4 * i)) & 0xf];
      }
      for (int at : addressOffsets) {
        for (int i = 0; i < 4; i++) b[at + i] = HEX[(generation >>> (28 - 4 * i)) & 0xf];
        for (int i = 0; i < 4; i++) b[at + 5 + i] = HEX[(generation >>> (12 - 4 * i)) & 0xf];
      }
      // Protobuf trace ids carry the generation as bytes (JSON ones are hex: idOffsets found them).
      for (int at : traceIdOffsets) {
        for (int i = 0; i < 4; i++) b[at + 2 + i] = (byte) (generation >>> (24 - 8 * i));
      }
      return b;
    }
  }

  public final List<Payload> protobuf;
  public final List<Payload> json;
  /** The captured SDK requests, each a whole HTTP request (see {@link ReplayWorkload}); empty if not loaded. */
  public final List<Payload> replay;
  public final long spans;

  private Payloads(List<Payload> protobuf, List<Payload> json, List<Payload> replay, long spans) {
    this.protobuf = protobuf;
    this.json = json;
    this.replay = replay;
    this.spans = spans;
  }

  public List<Payload> of(Protocol p) {
    return switch (p) {
      case GRPC -> protobuf;
      case HTTP_JSON -> json;
      case REPLAY -> replay;
    };
  }

  /** The same pools with the captured requests for {@link Protocol#REPLAY}. */
  public Payloads withReplay(List<Payload> replay) {
    return new Payloads(protobuf, json, replay, spans);
  }

  /**
   * @param grpcBatch browser exports per gRPC request (a Collector in front merges many)
   * @param httpBatch browser exports per HTTP/JSON request (1: browsers post directly)
   */
  public static Payloads build(List<BrowserWorkload.BrowserBatch> batches, int grpcBatch, int httpBatch) {
    long spans = 0;
    for (BrowserWorkload.BrowserBatch b : batches) spans += b.spans();
    return new Payloads(encode(batches, grpcBatch, false), encode(batches, httpBatch, true), List.of(), spans);
  }

  private static List<Payload> encode(List<BrowserWorkload.BrowserBatch> batches, int per, boolean json) {
    List<Payload> out = new ArrayList<>();
    for (int i = 0; i < batches.size(); i += per) {
      List<BrowserWorkload.BrowserBatch> group = batches.subList(i, Math.min(batches.size(), i + per));
      var request = BrowserWorkload.merge(group);
      byte[] bytes = json ? OtlpJson.encode(request) : request.toByteArray();
      int spans = group.stream().mapToInt(BrowserWorkload.BrowserBatch::spans).sum();
      out.add(new Payload(bytes, find(bytes, ID), find(bytes, ADDRESS), json ? new int[0] : find(bytes, TRACE_ID), spans));
    }
    return out;
  }

  private static int[] find(byte[] hay, byte[] needle) {
    List<Integer> at = new ArrayList<>();
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) continue outer;
      }
      at.add(i);
      i += needle.length - 1;
    }
    return at.stream().mapToInt(Integer::intValue).toArray();
  }
}

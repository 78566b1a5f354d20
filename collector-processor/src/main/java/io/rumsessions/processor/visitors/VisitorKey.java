package io.rumsessions.processor.visitors;

import java.nio.charset.StandardCharsets;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * A visitor as the sketches see it: a 64-bit hash, never the id itself.
 *
 * @param persistent true for an id that stays the same across days (a consented visitor's
 *     {@code user.id}); false for the cookie-free id, which changes with the daily salt
 */
public record VisitorKey(long hash, boolean persistent) {
  private static final long SEED = 0x72756d2d76697369L; // "rum-visi"

  /** A cookie-free id (hex HMAC digest): its first 64 bits are already uniformly random. */
  public static VisitorKey daily(String cookieFreeHex) {
    return new VisitorKey(Long.parseUnsignedLong(cookieFreeHex, 0, 16, 16), false);
  }

  /** A consented visitor's own id, hashed. */
  public static VisitorKey persistent(String id) {
    return new VisitorKey(MurmurHash3.hash(id.getBytes(StandardCharsets.UTF_8), SEED)[0], true);
  }
}

package io.rumsessions.processor.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The id of a visitor who may not be identified by a client-stored id: HMAC-SHA256, keyed by
 * a day's random salt, over the length-prefixed user agent, client address, service and site
 * host (Plausible's scheme). Length prefixes keep ("ab","c") and ("a","bc") apart. The inputs
 * are hashed and forgotten; only the 128-bit truncated digest, as hex, leaves this class.
 */
public final class CookieFreeId {
  private final DailySalts salts;
  private final ThreadLocal<Keyed> macs = new ThreadLocal<>();

  public CookieFreeId(DailySalts salts) {
    this.salts = salts;
  }

  /** The id under the given UTC day's salt; null if that salt no longer exists. */
  public String derive(String userAgent, String clientAddress, String service, String host, long day) {
    Mac mac = macFor(day);
    if (mac == null) return null;
    feed(mac, userAgent);
    feed(mac, clientAddress);
    feed(mac, service);
    feed(mac, host);
    byte[] digest = mac.doFinal();
    return HexFormat.of().formatHex(digest, 0, 16);
  }

  /** Whether a salt for the day exists (so an id under it may exist). */
  public boolean hasSalt(long day) {
    return salts.exists(day);
  }

  private Mac macFor(long day) {
    Keyed k = macs.get();
    if (k != null && k.day == day && salts.isLive(day)) return k.mac;
    byte[] salt = salts.forDay(day);
    if (salt == null) return null;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      macs.set(new Keyed(day, mac));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private static void feed(Mac mac, String value) {
    byte[] b = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    int n = b.length;
    mac.update((byte) (n >>> 24));
    mac.update((byte) (n >>> 16));
    mac.update((byte) (n >>> 8));
    mac.update((byte) n);
    mac.update(b);
  }

  private record Keyed(long day, Mac mac) {}
}

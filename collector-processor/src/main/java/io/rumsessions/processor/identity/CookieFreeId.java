package io.rumsessions.processor.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The id of a visitor who may not be identified by a client-stored id: HMAC-SHA256, keyed by
 * the day's random salt, over the length-prefixed user agent, client address, service and site
 * host (Plausible's scheme). Length prefixes keep ("ab","c") and ("a","bc") apart. The inputs
 * are hashed and forgotten; only the 128-bit truncated digest, as hex, leaves this class.
 */
public final class CookieFreeId {
  private final DailySalts salts;
  private final ThreadLocal<Keyed> macs = new ThreadLocal<>();

  public CookieFreeId(DailySalts salts) {
    this.salts = salts;
  }

  public String derive(String userAgent, String clientAddress, String service, String host, long nowMillis) {
    Mac mac = macFor(nowMillis);
    feed(mac, userAgent);
    feed(mac, clientAddress);
    feed(mac, service);
    feed(mac, host);
    byte[] digest = mac.doFinal();
    return HexFormat.of().formatHex(digest, 0, 16);
  }

  private Mac macFor(long nowMillis) {
    long day = Math.floorDiv(nowMillis, 86_400_000L);
    Keyed k = macs.get();
    if (k == null || k.day != day) {
      DailySalts.Salt salt = salts.forDay(nowMillis);
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt.bytes(), "HmacSHA256"));
        k = new Keyed(salt.day(), mac);
        macs.set(k);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
      }
    }
    return k.mac;
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

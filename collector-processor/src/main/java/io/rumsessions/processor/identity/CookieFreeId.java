package io.rumsessions.processor.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The id of a visitor who may not be identified by a client-stored id: HMAC-SHA256, keyed by
 * a day's random salt, over the length-prefixed user agent, client address, service and site
 * host (Plausible's scheme). Length prefixes keep ("ab","c") and ("a","bc") apart. The inputs
 * are hashed and forgotten; only the 128-bit truncated digest, as hex, leaves this class.
 */
public final class CookieFreeId {
  /** Room for a length prefix and a value of up to 512 ASCII characters (a user agent: ~100–150). */
  private static final int SCRATCH = 4 + 512;

  private final DailySalts salts;
  private final ThreadLocal<Keyed> macs = new ThreadLocal<>();

  public CookieFreeId(DailySalts salts) {
    this.salts = salts;
  }

  /** The id under the given UTC day's salt; null if that salt no longer exists. */
  public String derive(String userAgent, String clientAddress, String service, String host, long day) {
    Keyed k = macFor(day);
    if (k == null) return null;
    if (k.lastId != null && Objects.equals(userAgent, k.lastUserAgent) && Objects.equals(clientAddress, k.lastAddress)
        && Objects.equals(service, k.lastService) && Objects.equals(host, k.lastHost)) {
      return k.lastId;
    }
    k.feed(userAgent);
    k.feed(clientAddress);
    k.feed(service);
    k.feed(host);
    byte[] digest = k.mac.doFinal();
    String id = HexFormat.of().formatHex(digest, 0, 16);
    k.remember(userAgent, clientAddress, service, host, id);
    return id;
  }

  /** Whether a salt for the day exists (so an id under it may exist). */
  public boolean hasSalt(long day) {
    return salts.exists(day);
  }

  private Keyed macFor(long day) {
    Keyed k = macs.get();
    if (k != null && k.day == day && salts.isLive(day)) return k;
    byte[] salt = salts.forDay(day);
    if (salt == null) return null;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      k = new Keyed(day, mac, new byte[SCRATCH]);
      macs.set(k);
      return k;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /**
   * A thread's MAC for one day, room to encode a value into, and the last id it derived: one id
   * per span, on the hot path, and a browser's spans come together (one resource, one request),
   * so the next span is most often the same visitor's. The remembered inputs stay in this
   * thread's memory only, as the request that carried them did.
   */
  private static final class Keyed {
    final long day;
    final Mac mac;
    final byte[] scratch;
    String lastUserAgent;
    String lastAddress;
    String lastService;
    String lastHost;
    String lastId;

    Keyed(long day, Mac mac, byte[] scratch) {
      this.day = day;
      this.mac = mac;
      this.scratch = scratch;
    }

    void remember(String userAgent, String address, String service, String host, String id) {
      lastUserAgent = userAgent;
      lastAddress = address;
      lastService = service;
      lastHost = host;
      lastId = id;
    }

    /** Feeds the value's length (4 bytes, big-endian) and its UTF-8 bytes. */
    void feed(String value) {
      int n = value == null ? 0 : value.length();
      if (n <= SCRATCH - 4 && ascii(value, n)) {
        // ASCII (user agents, addresses, hosts): its UTF-8 bytes are its chars.
        lengthPrefix(n);
        for (int i = 0; i < n; i++) scratch[4 + i] = (byte) value.charAt(i);
        mac.update(scratch, 0, 4 + n);
        return;
      }
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      lengthPrefix(b.length);
      mac.update(scratch, 0, 4);
      mac.update(b);
    }

    private void lengthPrefix(int n) {
      scratch[0] = (byte) (n >>> 24);
      scratch[1] = (byte) (n >>> 16);
      scratch[2] = (byte) (n >>> 8);
      scratch[3] = (byte) n;
    }

    private static boolean ascii(String value, int n) {
      for (int i = 0; i < n; i++) {
        if (value.charAt(i) >= 0x80) return false;
      }
      return true;
    }
  }
}

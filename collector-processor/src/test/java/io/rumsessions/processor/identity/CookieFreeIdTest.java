package io.rumsessions.processor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CookieFreeIdTest {
  static final long DAY = 20_420;

  /** The scheme as documented: HMAC-SHA256 under the day's salt over length-prefixed UTF-8 values, first 16 bytes as hex. */
  static String expected(byte[] salt, String... values) throws Exception {
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    for (String v : values) {
      byte[] b = v == null ? new byte[0] : v.getBytes(StandardCharsets.UTF_8);
      input.write(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
      input.write(b);
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    return HexFormat.of().formatHex(Arrays.copyOf(mac.doFinal(input.toByteArray()), 16));
  }

  @Test
  void theIdIsTheDocumentedHmacWhateverTheValuesHold() throws Exception {
    DailySalts salts = new DailySalts(new SecureRandom(), (java.nio.file.Path) null);
    CookieFreeId ids = new CookieFreeId(salts);
    String ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";
    String[][] cases = {
        {ua, "198.51.100.4", "shop", "shop.example"},
        // Non-ASCII in a value, a value longer than the encoding room, empty and missing values.
        {"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/é) Gecko", "2001:db8::1", "shöp", "xn--shp-sna.example"},
        {"x".repeat(512), "198.51.100.4", "shop", "shop.example"},
        {"x".repeat(513), "198.51.100.4", "shop", "shop.example"},
        {"é".repeat(600), "198.51.100.4", "shop", "shop.example"},
        {null, "198.51.100.4", "", "shop.example"},
        {"", null, null, null},
    };
    for (String[] c : cases) {
      // Twice each, so that the second runs on the thread's kept MAC and encoding room.
      for (int i = 0; i < 2; i++) {
        assertThat(ids.derive(c[0], c[1], c[2], c[3], DAY)).as(Arrays.toString(c)).isEqualTo(expected(salts.forDay(DAY), c));
      }
    }
    // The id of the span before is remembered: a change in any one value is a new id.
    String[] last = {ua, "198.51.100.4", "shop", "shop.example"};
    for (int changed = 0; changed < 4; changed++) {
      String[] c = last.clone();
      c[changed] = new String(c[changed] + "!");
      assertThat(ids.derive(last[0], last[1], last[2], last[3], DAY)).isEqualTo(expected(salts.forDay(DAY), last));
      assertThat(ids.derive(c[0], c[1], c[2], c[3], DAY)).as("value %d changed", changed).isEqualTo(expected(salts.forDay(DAY), c));
      // Equal values in other strings: the same visitor.
      assertThat(ids.derive(new String(c[0]), new String(c[1]), new String(c[2]), new String(c[3]), DAY))
          .isEqualTo(expected(salts.forDay(DAY), c));
    }
    // Length prefixes keep the boundaries between values.
    assertThat(ids.derive("ab", "c", "s", "h", DAY)).isNotEqualTo(ids.derive("a", "bc", "s", "h", DAY));
    // Another day's salt, another id.
    assertThat(ids.derive(ua, "198.51.100.4", "shop", "shop.example", DAY - 1))
        .isEqualTo(expected(salts.forDay(DAY - 1), ua, "198.51.100.4", "shop", "shop.example"))
        .isNotEqualTo(ids.derive(ua, "198.51.100.4", "shop", "shop.example", DAY));
  }
}

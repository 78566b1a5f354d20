package io.rumsessions.deploy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads regular files out of an uncompressed tar (ustar / GNU / pax headers), enough for image layers. */
final class Tar {
  private Tar() {}

  static Map<String, byte[]> files(byte[] tar, String prefix) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    int pos = 0;
    String longName = null;
    while (pos + 512 <= tar.length) {
      byte[] h = Arrays.copyOfRange(tar, pos, pos + 512);
      if (allZero(h)) break;
      String name = longName != null ? longName : field(h, 0, 100);
      longName = null;
      String ustarPrefix = field(h, 345, 155);
      if (!ustarPrefix.isEmpty() && field(h, 257, 6).startsWith("ustar")) name = ustarPrefix + "/" + name;
      long size = Long.parseLong(field(h, 124, 12).trim().isEmpty() ? "0" : field(h, 124, 12).trim(), 8);
      char type = (char) h[156];
      int data = pos + 512;
      byte[] body = Arrays.copyOfRange(tar, data, data + (int) size);
      if (type == 'L') {
        longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
      } else if (type == 'x') {
        String pax = new String(body, StandardCharsets.UTF_8);
        for (String rec : pax.split("\n")) {
          int sp = rec.indexOf(' ');
          if (sp > 0 && rec.substring(sp + 1).startsWith("path=")) longName = rec.substring(sp + 6);
        }
      } else if (type == '0' || type == '\0') {
        String n = name.startsWith("./") ? name.substring(2) : name.startsWith("/") ? name.substring(1) : name;
        if (n.startsWith(prefix)) out.put(n, body);
      }
      pos = data + (int) ((size + 511) / 512 * 512);
    }
    return out;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) if (x != 0) return false;
    return true;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) end++;
    return new String(h, off, end - off, StandardCharsets.US_ASCII);
  }
}

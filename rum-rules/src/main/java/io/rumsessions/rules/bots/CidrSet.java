package io.rumsessions.rules.bots;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Layer 2 of the bot rules: a set of IPv4 and IPv6 CIDR ranges with fast membership tests.
 *
 * <p>Entries are written {@code 192.0.2.0/24}, {@code 2001:db8::/32}, or a bare address (a /32 or
 * /128). Ranges are merged and kept as sorted arrays, so {@link #contains(String)} is a binary
 * search with no allocation for IPv4. Addresses are parsed as literals only: nothing here ever
 * resolves a host name. IPv4-mapped IPv6 addresses ({@code ::ffff:192.0.2.1}) are matched against
 * the IPv4 ranges. Immutable and thread-safe.
 */
public final class CidrSet {

  private static final CidrSet EMPTY =
      new CidrSet(new long[0], new long[0], new long[0], new long[0], new long[0], new long[0],
          Collections.<String>emptyList());

  /** IPv4 ranges as unsigned 32-bit values in longs, sorted, non-overlapping. */
  private final long[] v4Start;
  private final long[] v4End;
  /** IPv6 ranges as (high, low) unsigned 64-bit pairs, sorted, non-overlapping. */
  private final long[] v6StartHi;
  private final long[] v6StartLo;
  private final long[] v6EndHi;
  private final long[] v6EndLo;
  private final List<String> entries;

  private CidrSet(long[] v4Start, long[] v4End, long[] v6StartHi, long[] v6StartLo,
      long[] v6EndHi, long[] v6EndLo, List<String> entries) {
    this.v4Start = v4Start;
    this.v4End = v4End;
    this.v6StartHi = v6StartHi;
    this.v6StartLo = v6StartLo;
    this.v6EndHi = v6EndHi;
    this.v6EndLo = v6EndLo;
    this.entries = entries;
  }

  public static CidrSet empty() {
    return EMPTY;
  }

  /** @see #parse(Collection) */
  public static CidrSet of(String... cidrs) {
    return parse(Arrays.asList(cidrs));
  }

  /**
   * Parses CIDR entries. Blank entries and {@code #} comments are skipped, so a file's lines can be
   * passed as they are.
   *
   * @throws IllegalArgumentException naming the entry: not an address, prefix out of range, or
   *     host bits set below the prefix (write {@code 10.0.0.0/8}, not {@code 10.1.2.3/8})
   */
  public static CidrSet parse(Collection<String> cidrs) {
    List<long[]> v4 = new ArrayList<>();
    List<long[]> v6 = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (String raw : cidrs) {
      if (raw == null) {
        throw new IllegalArgumentException("invalid CIDR: null entry");
      }
      String entry = raw.trim();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      int slash = entry.indexOf('/');
      String address = slash < 0 ? entry : entry.substring(0, slash);
      if (address.indexOf(':') < 0) {
        long ip = parseIpv4(address);
        if (ip < 0) {
          throw new IllegalArgumentException("invalid CIDR '" + entry + "': not an IPv4 or IPv6 address");
        }
        int prefix = prefix(entry, slash, 32);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if ((ip & ~mask & 0xFFFFFFFFL) != 0) {
          throw new IllegalArgumentException("invalid CIDR '" + entry + "': host bits set below /"
              + prefix + " (the network is " + formatIpv4(ip & mask) + "/" + prefix + ")");
        }
        v4.add(new long[] {ip, ip | (~mask & 0xFFFFFFFFL)});
      } else {
        long[] ip = parseIpv6(address);
        if (ip == null) {
          throw new IllegalArgumentException("invalid CIDR '" + entry + "': not an IPv4 or IPv6 address");
        }
        int prefix = prefix(entry, slash, 128);
        long maskHi = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        long maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        if ((ip[0] & ~maskHi) != 0 || (ip[1] & ~maskLo) != 0) {
          throw new IllegalArgumentException(
              "invalid CIDR '" + entry + "': host bits set below /" + prefix);
        }
        v6.add(new long[] {ip[0], ip[1], ip[0] | ~maskHi, ip[1] | ~maskLo});
      }
      kept.add(entry);
    }
    v4.sort((a, b) -> Long.compare(a[0], b[0]));
    v6.sort((a, b) -> compareUnsigned(a[0], a[1], b[0], b[1]));
    List<long[]> merged4 = new ArrayList<>();
    for (long[] r : v4) {
      long[] last = merged4.isEmpty() ? null : merged4.get(merged4.size() - 1);
      if (last != null && r[0] <= last[1] + 1) {
        last[1] = Math.max(last[1], r[1]);
      } else {
        merged4.add(new long[] {r[0], r[1]});
      }
    }
    List<long[]> merged6 = new ArrayList<>();
    for (long[] r : v6) {
      long[] last = merged6.isEmpty() ? null : merged6.get(merged6.size() - 1);
      if (last != null && adjacentOrOverlapping(last[2], last[3], r[0], r[1])) {
        if (compareUnsigned(r[2], r[3], last[2], last[3]) > 0) {
          last[2] = r[2];
          last[3] = r[3];
        }
      } else {
        merged6.add(new long[] {r[0], r[1], r[2], r[3]});
      }
    }
    long[] s4 = new long[merged4.size()];
    long[] e4 = new long[merged4.size()];
    for (int i = 0; i < s4.length; i++) {
      s4[i] = merged4.get(i)[0];
      e4[i] = merged4.get(i)[1];
    }
    long[] sh = new long[merged6.size()];
    long[] sl = new long[merged6.size()];
    long[] eh = new long[merged6.size()];
    long[] el = new long[merged6.size()];
    for (int i = 0; i < sh.length; i++) {
      long[] r = merged6.get(i);
      sh[i] = r[0];
      sl[i] = r[1];
      eh[i] = r[2];
      el[i] = r[3];
    }
    return new CidrSet(s4, e4, sh, sl, eh, el, Collections.unmodifiableList(kept));
  }

  public boolean isEmpty() {
    return v4Start.length == 0 && v6StartHi.length == 0;
  }

  /** The entries as given (trimmed, without blanks and comments). */
  public List<String> entries() {
    return entries;
  }

  /**
   * True if the address literal is inside a range. Accepts {@code 192.0.2.1}, {@code 2001:db8::1},
   * {@code [2001:db8::1]}, zone ids ({@code fe80::1%eth0}); null and non-addresses give false.
   */
  public boolean contains(String address) {
    if (address == null || address.isEmpty() || isEmpty()) {
      return false;
    }
    String a = address.trim();
    if (a.indexOf(':') < 0) {
      long ip = parseIpv4(a);
      return ip >= 0 && containsV4(ip);
    }
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    long[] ip = parseIpv6(a);
    return ip != null && containsV6(ip[0], ip[1]);
  }

  /** True if the address is inside a range. */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return containsV4(((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8)
          | (b[3] & 0xFFL));
    }
    if (address instanceof Inet6Address) {
      long hi = 0;
      long lo = 0;
      for (int i = 0; i < 8; i++) {
        hi = (hi << 8) | (b[i] & 0xFFL);
        lo = (lo << 8) | (b[i + 8] & 0xFFL);
      }
      return containsV6(hi, lo);
    }
    return false;
  }

  private boolean containsV4(long ip) {
    int lo = 0;
    int hi = v4Start.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (v4Start[mid] > ip) {
        hi = mid - 1;
      } else if (v4End[mid] < ip) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  private boolean containsV6(long ipHi, long ipLo) {
    if (ipHi == 0 && (ipLo >>> 32) == 0xFFFFL) {
      if (containsV4(ipLo & 0xFFFFFFFFL)) {
        return true; // IPv4-mapped: also try the IPv4 ranges
      }
    }
    int lo = 0;
    int hi = v6StartHi.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (compareUnsigned(v6StartHi[mid], v6StartLo[mid], ipHi, ipLo) > 0) {
        hi = mid - 1;
      } else if (compareUnsigned(v6EndHi[mid], v6EndLo[mid], ipHi, ipLo) < 0) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  private static int prefix(String entry, int slash, int max) {
    if (slash < 0) {
      return max;
    }
    String p = entry.substring(slash + 1);
    if (p.isEmpty() || p.length() > 3) {
      throw new IllegalArgumentException("invalid CIDR '" + entry + "': prefix length '" + p + "'");
    }
    int value = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("invalid CIDR '" + entry + "': prefix length '" + p + "'");
      }
      value = value * 10 + (c - '0');
    }
    if (value > max) {
      throw new IllegalArgumentException(
          "invalid CIDR '" + entry + "': prefix /" + value + " is longer than " + max + " bits");
    }
    return value;
  }

  /** Dotted-quad IPv4 literal as an unsigned value, or -1. Leading zeros are rejected. */
  static long parseIpv4(String s) {
    int len = s.length();
    if (len < 7 || len > 15) {
      return -1;
    }
    long result = 0;
    int octets = 0;
    int i = 0;
    while (i <= len) {
      int start = i;
      int value = 0;
      while (i < len && s.charAt(i) != '.') {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        value = value * 10 + (c - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
        return -1;
      }
      result = (result << 8) | value;
      octets++;
      if (i == len) {
        break;
      }
      i++; // skip '.'
      if (i == len) {
        return -1; // trailing dot
      }
    }
    return octets == 4 ? result : -1;
  }

  /** IPv6 literal (RFC 4291 text forms, incl. "::" and a trailing dotted IPv4) or null. */
  static long[] parseIpv6(String s) {
    if (s.length() < 2 || s.length() > 45) {
      return null;
    }
    int[] groups = new int[8];
    int count = 0;
    int gap = -1;
    int i = 0;
    int len = s.length();
    if (s.startsWith("::")) {
      gap = 0;
      i = 2;
      if (i == len) {
        return new long[] {0, 0};
      }
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < len) {
      if (count == 8) {
        return null;
      }
      int start = i;
      int value = 0;
      while (i < len && s.charAt(i) != ':') {
        char c = s.charAt(i);
        int d = Character.digit(c, 16);
        if (c == '.') {
          // embedded IPv4 in the last 32 bits
          long v4 = parseIpv4(s.substring(start));
          if (v4 < 0 || count > 6) {
            return null;
          }
          groups[count++] = (int) (v4 >>> 16);
          groups[count++] = (int) (v4 & 0xFFFF);
          i = len;
          start = -1;
          break;
        }
        if (d < 0 || i - start >= 4) {
          return null;
        }
        value = (value << 4) | d;
        i++;
      }
      if (start < 0) {
        break;
      }
      if (i == start) {
        return null;
      }
      groups[count++] = value;
      if (i == len) {
        break;
      }
      i++; // skip ':'
      if (i < len && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null; // a second "::"
        }
        gap = count;
        i++;
        if (i == len) {
          break;
        }
      } else if (i == len) {
        return null; // trailing single ':'
      }
    }
    if (gap < 0 && count != 8) {
      return null;
    }
    if (gap >= 0) {
      if (count >= 8) {
        return null;
      }
      int tail = count - gap;
      System.arraycopy(groups, gap, groups, 8 - tail, tail);
      Arrays.fill(groups, gap, 8 - tail, 0);
    }
    long hi = 0;
    long lo = 0;
    for (int g = 0; g < 4; g++) {
      hi = (hi << 16) | groups[g];
      lo = (lo << 16) | groups[g + 4];
    }
    return new long[] {hi, lo};
  }

  private static String formatIpv4(long ip) {
    return ((ip >>> 24) & 0xFF) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "."
        + (ip & 0xFF);
  }

  private static int compareUnsigned(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  /** True if range ending at (endHi, endLo) touches or overlaps one starting at (startHi, startLo). */
  private static boolean adjacentOrOverlapping(long endHi, long endLo, long startHi, long startLo) {
    if (compareUnsigned(startHi, startLo, endHi, endLo) <= 0) {
      return true;
    }
    long nextLo = endLo + 1;
    long nextHi = nextLo == 0 ? endHi + 1 : endHi;
    return nextHi == startHi && nextLo == startLo;
  }

  @Override
  public String toString() {
    return "CidrSet" + entries;
  }
}

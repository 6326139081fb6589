package io.sluice.rules;

/**
 * Reads IPv6 literals (RFC 4291 text: groups of one to four hex digits, one {@code ::}, an optional
 * dotted IPv4 tail, an optional {@code %zone}) and writes them in the one recommended spelling of
 * RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of
 * equals) as {@code ::}, an IPv4-mapped address with its IPv4 tail ({@code ::ffff:192.0.2.1}).
 *
 * <p>Pure text: nothing is resolved or looked up. {@code ::1}, {@code 0:0:0:0:0:0:0:1} and {@code
 * 0000::0001} name one host, and a breaker keyed by each spelling would split that host's failures.
 */
final class Ipv6Literal {

  private static final int GROUPS = 8;

  private Ipv6Literal() {}

  /**
   * {@code text} in RFC 5952 spelling, with its zone ({@code %...}, kept as it is), or {@code null}
   * when it is not an IPv6 literal. {@code text} has no brackets.
   *
   * <p>A zone after {@code %25} is not percent-decoded as RFC 6874 would: Java's {@code URI} and
   * {@code InetAddress} never decode it, so {@code [fe80::1%25eth0]} reaches zone {@code 25eth0} (a
   * JDK client fails with "no such interface 25eth0") while {@code fe80::1%eth0} reaches {@code
   * eth0}. The two spellings are two destinations and stay two targets.
   */
  static String canonical(String text) {
    int zone = text.indexOf('%');
    int[] groups = parse(text, zone < 0 ? text.length() : zone);
    if (groups == null) {
      return null;
    }
    String address = format(groups);
    return zone < 0 ? address : address + text.substring(zone);
  }

  /** The eight groups of {@code text[0, end)}, or {@code null} when it is no IPv6 address. */
  private static int[] parse(String text, int end) {
    if (end < 2) {
      return null;
    }
    int[] groups = new int[GROUPS];
    int n = 0;
    int gap = -1;
    int i = 0;
    if (text.charAt(0) == ':') {
      if (text.charAt(1) != ':') {
        return null;
      }
      gap = 0;
      i = 2;
    }
    while (i < end) {
      if (n == GROUPS) {
        return null;
      }
      int start = i;
      int value = 0;
      while (i < end && i - start <= 4 && hex(text.charAt(i)) >= 0) {
        value = value * 16 + hex(text.charAt(i));
        i++;
      }
      if (i < end && text.charAt(i) == '.') {
        // the dotted IPv4 tail: the last two groups
        if (n > GROUPS - 2 || !ipv4(text, start, end)) {
          return null;
        }
        int ipv4 = ipv4Bits(text, start, end);
        groups[n++] = (ipv4 >>> 16) & 0xffff;
        groups[n++] = ipv4 & 0xffff;
        i = end;
        break;
      }
      int digits = i - start;
      if (digits == 0 || digits > 4) {
        return null;
      }
      groups[n++] = value;
      if (i == end) {
        break;
      }
      if (text.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i == end) {
        return null; // one trailing colon
      }
      if (text.charAt(i) == ':') {
        if (gap >= 0) {
          return null; // a second "::"
        }
        gap = n;
        i++;
      }
    }
    if (gap < 0) {
      return n == GROUPS ? groups : null;
    }
    if (n == GROUPS) {
      return null; // "::" stands for at least one group
    }
    int moved = n - gap;
    System.arraycopy(groups, gap, groups, GROUPS - moved, moved);
    java.util.Arrays.fill(groups, gap, GROUPS - moved, 0);
    return groups;
  }

  /** Whether {@code text[start, end)} is four decimal octets, without leading zeros. */
  private static boolean ipv4(String text, int start, int end) {
    int octets = 0;
    int i = start;
    while (i <= end) {
      int from = i;
      int value = 0;
      while (i < end && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - from < 3) {
        value = value * 10 + (text.charAt(i) - '0');
        i++;
      }
      int digits = i - from;
      if (digits == 0 || value > 255 || digits > 1 && text.charAt(from) == '0') {
        return false;
      }
      octets++;
      if (i == end) {
        return octets == 4;
      }
      if (text.charAt(i) != '.' || octets == 4) {
        return false;
      }
      i++;
    }
    return false;
  }

  /** The 32 bits of the dotted IPv4 address {@code text[start, end)}, checked by {@link #ipv4}. */
  private static int ipv4Bits(String text, int start, int end) {
    int bits = 0;
    int octet = 0;
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      if (c == '.') {
        bits = bits << 8 | octet;
        octet = 0;
      } else {
        octet = octet * 10 + (c - '0');
      }
    }
    return bits << 8 | octet;
  }

  private static String format(int[] groups) {
    if (groups[0] == 0
        && groups[1] == 0
        && groups[2] == 0
        && groups[3] == 0
        && groups[4] == 0
        && groups[5] == 0xffff) {
      return "::ffff:"
          + (groups[6] >>> 8)
          + "."
          + (groups[6] & 0xff)
          + "."
          + (groups[7] >>> 8)
          + "."
          + (groups[7] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // a single zero group is never shortened
    for (int i = 0; i < GROUPS; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < GROUPS && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder text = new StringBuilder(39);
    for (int i = 0; i < GROUPS; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (i > 0 && i != bestStart + bestLength) {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}

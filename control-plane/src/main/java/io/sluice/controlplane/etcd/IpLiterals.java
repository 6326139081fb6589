package io.sluice.controlplane.etcd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP literals read as addresses without a name lookup: a proxy's host compared with the address a
 * refused connection names, a proxy's name that needs no lookup to resolve.
 *
 * <p>Exists because {@link InetAddress#getByName} parses only what it takes for a literal and looks
 * the rest up in DNS: {@code 999.1.1.1} looks like a dotted quad but is no address, and it was
 * looked up (on the request thread, for the resolver's timeout when DNS is down), as is an IPv6
 * text it cannot parse unless it is in brackets.
 */
final class IpLiterals {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private IpLiterals() {}

  /**
   * The address {@code host} spells when it is an IP literal, else {@code null}: a dotted IPv4 one
   * (four decimal octets of at most 255, no leading zeros, which some parsers read as octal and the
   * JDK refuses) or an IPv6 one (it has colons; brackets optional). Never looks a name up. Never
   * throws.
   */
  static InetAddress address(String host) {
    try {
      if (host.indexOf(':') >= 0) {
        // in brackets, a text that is no IPv6 literal fails at once instead of being looked up
        return InetAddress.getByName(host.startsWith("[") ? host : "[" + host + "]");
      }
      byte[] octets = ipv4(host);
      return octets == null ? null : InetAddress.getByAddress(octets);
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }

  /** The four octets {@code host} spells as a dotted IPv4 literal, or {@code null}. */
  private static byte[] ipv4(String host) {
    if (!IPV4.matcher(host).matches()) {
      return null;
    }
    String[] parts = host.split("\\.");
    byte[] octets = new byte[4];
    for (int i = 0; i < 4; i++) {
      int octet = Integer.parseInt(parts[i]);
      if (octet > 255 || (parts[i].length() > 1 && parts[i].charAt(0) == '0')) {
        return null;
      }
      octets[i] = (byte) octet;
    }
    return octets;
  }
}

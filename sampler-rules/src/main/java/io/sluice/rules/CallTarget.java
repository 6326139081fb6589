package io.sluice.rules;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an outgoing call goes, as breaker policies see it: the host (lower case, an IPv6 literal
 * without brackets in RFC 5952 spelling, an IPv4-mapped one as its IPv4 address), the port (the
 * scheme's default when the URL names none) and the raw path ({@code /} when empty). One reading
 * for the agents' breakers and the control plane's dry run, so both judge a URL the same way.
 *
 * @param host the canonical host, see {@link #canonicalHost}
 * @param port the port, never negative
 * @param path the raw path without query, at least {@code /}
 */
public record CallTarget(String host, int port, String path) {

  /**
   * The target of {@code url}, or {@code null} when it names no host (or is null). A host that
   * {@link URI} does not take for a server name (an underscore, as in docker-compose service names:
   * {@link URI#getHost()} is null) is read from the authority.
   */
  public static CallTarget of(URI url) {
    if (url == null) {
      return null;
    }
    String host = url.getHost();
    int port = url.getPort();
    String authority = url.getRawAuthority();
    if (host == null && authority != null) {
      authority = authority.substring(authority.lastIndexOf('@') + 1);
      int colon = authority.lastIndexOf(':');
      if (colon > 0 && authority.lastIndexOf(']') < colon) {
        host = authority.substring(0, colon);
        port = parsePort(authority.substring(colon + 1));
      } else {
        host = authority;
      }
    }
    if (host == null || host.isEmpty()) {
      return null;
    }
    String path = url.getRawPath();
    return new CallTarget(
        canonicalHost(host),
        defaultPort(url.getScheme(), port),
        path == null || path.isEmpty() ? "/" : path);
  }

  /**
   * {@code host} as targets are keyed: in lower case (host names are case-insensitive), an IPv6
   * literal without its brackets (some clients hand over {@code [::1]}, others {@code ::1}) and in
   * RFC 5952 spelling ({@code 0:0:0:0:0:0:0:1} and {@code 0000::1} are {@code ::1}), an IPv4-mapped
   * one as the IPv4 address it maps ({@code ::ffff:10.0.0.5} is {@code 10.0.0.5}: Java connects to
   * that address, and OkHttp hands the host over so), a fully qualified name without its final dot
   * ({@code payments.svc.cluster.local.}, spelled so to skip the resolver's search domains, is the
   * host {@code payments.svc.cluster.local}). An IPv6 literal's zone keeps its case: it names a
   * network interface, and interface names are case-sensitive on Linux ({@code fe80::1%ETH0} and
   * {@code fe80::1%eth0} go out through two interfaces, to two hosts). Only the text is read:
   * nothing is resolved.
   */
  public static String canonicalHost(String host) {
    String h = unbracketed(host);
    if (h.indexOf(':') >= 0) {
      String literal = Ipv6Literal.canonical(h);
      if (literal != null) {
        // only an IPv4-mapped address is spelled with a dotted tail, and a zone has no IPv4 form
        return literal.startsWith(IPV4_MAPPED)
                && literal.indexOf('.') > 0
                && literal.indexOf('%') < 0
            ? literal.substring(IPV4_MAPPED.length())
            : literal;
      }
    }
    // a colon in no IPv6 literal: no host name either, kept as it is
    return (h.indexOf(':') < 0 ? withoutFinalDot(h) : h).toLowerCase(Locale.ROOT);
  }

  private static final String IPV4_MAPPED = "::ffff:";

  /**
   * A host name without the final dot of its fully qualified spelling, if it has one; a name ending
   * in two dots (no host) stays as it is, so that the canonical spelling is its own.
   */
  private static String withoutFinalDot(String name) {
    int last = name.length() - 1;
    return last > 0 && name.charAt(last) == '.' && name.charAt(last - 1) != '.'
        ? name.substring(0, last)
        : name;
  }

  /** {@code host} without the brackets of a URL's IPv6 literal ({@code [::1]}), if it has them. */
  private static String unbracketed(String host) {
    return host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
        ? host.substring(1, host.length() - 1)
        : host;
  }

  /**
   * The glob a policy's {@code match.host} holds for, against hosts in {@link #canonicalHost}
   * spelling: case-insensitive, without the brackets of an IPv6 glob ({@code [fd00::*]}) or the
   * final dot of a fully qualified name ({@code *.svc.cluster.local.}), and an IPv6 literal without
   * stars ({@code [::1]}, {@code 0:0:0:0:0:0:0:1}) in that spelling, so that it covers the host
   * however a client spells it. Such a literal with a zone covers that zone in its own case only,
   * as {@link #canonicalHost} keeps it ({@code fe80::1%eth0} is not {@code fe80::1%ETH0}), and so
   * does a glob naming a zone ({@code fe80::*%eth0}, {@code *%eth0}): its address part is
   * case-insensitive, its zone is not.
   *
   * @throws IllegalArgumentException when {@code pattern} is no valid glob
   */
  public static Glob hostGlob(String pattern) {
    // brackets hold an IPv6 address, and nothing else: "[*]" is no glob for every host
    String p = pattern.indexOf(':') >= 0 ? unbracketed(pattern) : pattern;
    if (p.indexOf('*') >= 0) {
      int zone = p.indexOf('%');
      if (zone >= 0 && namesAnIpv6Address(p.substring(0, zone))) {
        // hosts spell the address in lower case and keep the zone's case (canonicalHost)
        return Glob.compile(p.substring(0, zone).toLowerCase(Locale.ROOT) + p.substring(zone));
      }
      return Glob.compileIgnoringCase(p.indexOf(':') < 0 ? withoutFinalDot(p) : p);
    }
    if (p.indexOf(':') < 0) {
      return Glob.compileIgnoringCase(withoutFinalDot(p));
    }
    String literal = canonicalHost(pattern);
    // canonicalHost spelled everything but a zone in lower case: comparing exactly is
    // case-insensitive for the rest and case-sensitive for the zone
    return literal.indexOf('%') >= 0 ? Glob.compile(literal) : Glob.compileIgnoringCase(literal);
  }

  private static final Pattern HOST_AND_PORT =
      Pattern.compile("(\\[[^\\]]*]|[^:\\[\\]]+):([0-9]+)");

  /**
   * Why a policy's {@code match.host} glob holds for no host a call can have, or null. A call's
   * host never carries its port, so {@code payments:8080} (the breaker key's spelling) or {@code
   * [::1]:8080} guards nothing; nor does a host with a colon that is no IPv6 address. A glob with a
   * star and one colon may be an IPv6 glob ({@code fe80:*}), unless what stands before the colon is
   * in brackets ({@code [fe80::*]:8080}) or has a dot or a letter past {@code f}, which no IPv6
   * address has there ({@code *.internal:8080}).
   */
  static String hostProblem(String glob) {
    if (glob == null || glob.indexOf(':') < 0) {
      return null;
    }
    Matcher hostAndPort = HOST_AND_PORT.matcher(glob);
    boolean stars = glob.indexOf('*') >= 0;
    if (hostAndPort.matches()
        && (!stars
            || hostAndPort.group(1).startsWith("[")
            || notIpv6Before(hostAndPort.group(1)))) {
      return "is a host and a port, and a call's host never holds its port: write "
          + DocumentReader.quote(hostAndPort.group(1))
          + " here and "
          + hostAndPort.group(2)
          + " in \"port\"";
    }
    if (stars) {
      return ipv6GlobProblem(unbracketed(glob));
    }
    return Ipv6Literal.canonical(unbracketed(glob)) == null
        ? "is no host: a colon belongs only in an IPv6 address, and this is none"
        : null;
  }

  /**
   * Why a host glob with a star and a colon, which can stand only for IPv6 addresses, holds for
   * none as {@link #canonicalHost} spells them, or null: a character no address has ({@code
   * payments:*}), an IPv4-mapped address (such a host is its IPv4 address), or a group with a
   * leading zero (RFC 5952 spelling has none). Only the part before a zone's {@code %} is read.
   */
  private static String ipv6GlobProblem(String glob) {
    int zone = glob.indexOf('%');
    String address = (zone >= 0 ? glob.substring(0, zone) : glob).toLowerCase(Locale.ROOT);
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (!(hex(c) || c == ':' || c == '.' || c == '*')) {
        return "holds a colon, so it can match only an IPv6 address, and '"
            + c
            + "' is in none; a call's host never holds its port: write the port in \"port\"";
      }
    }
    // with a zone, an IPv4-mapped address keeps its IPv6 spelling (canonicalHost)
    if (zone < 0 && address.startsWith(IPV4_MAPPED) && address.indexOf('.') > 0) {
      return "is an IPv4-mapped IPv6 address, and calls to one are matched by the IPv4 address it"
          + " maps: write "
          + DocumentReader.quote(address.substring(IPV4_MAPPED.length()))
          + " here";
    }
    for (String group : address.split(":", -1)) {
      if (group.length() > 1 && group.charAt(0) == '0' && group.chars().allMatch(CallTarget::hex)) {
        return "has the group "
            + DocumentReader.quote(group)
            + ", and hosts are matched in the RFC 5952 spelling of their address, without leading"
            + " zeros: write "
            + DocumentReader.quote(group.replaceFirst("^0+(?=.)", ""));
      }
    }
    return null;
  }

  private static boolean hex(int c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
  }

  private static boolean notIpv6Before(String host) {
    return host.chars()
        .anyMatch(c -> c == '.' || Character.isLetter(c) && Character.toLowerCase(c) > 'f');
  }

  /**
   * Why a policy's {@code match.path} glob holds for no path a call can have, or null: the path
   * matched is the request's raw path, which starts with {@code /} and holds neither the query nor
   * the fragment.
   */
  static String pathProblem(String glob) {
    if (glob == null) {
      return null;
    }
    if (!glob.isEmpty() && glob.charAt(0) != '/' && glob.charAt(0) != '*') {
      return "starts with neither '/' nor a star: every request path starts with '/'";
    }
    char cut = glob.indexOf('?') >= 0 ? '?' : glob.indexOf('#') >= 0 ? '#' : 0;
    if (cut != 0) {
      return "holds '"
          + cut
          + "', which starts the query or the fragment: the path matched never holds them;"
          + " match on the path alone";
    }
    return null;
  }

  /**
   * Whether the part of a host glob before its {@code %} stands for an IPv6 address: it has a
   * {@code :} ({@code fe80::*}), or is stars only ({@code *}). A host name never has a zone.
   */
  private static boolean namesAnIpv6Address(String address) {
    return address.indexOf(':') >= 0
        || !address.isEmpty() && address.chars().allMatch(c -> c == '*');
  }

  /**
   * The port a URL addresses: {@code port} when positive, else its scheme's default (443 for {@code
   * https} and {@code wss}, otherwise 80).
   */
  public static int defaultPort(String scheme, int port) {
    if (port > 0) {
      return port;
    }
    return "https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  /** {@code host:port}, an IPv6 literal in brackets as in a URL: {@code [::1]:8080}. */
  public static String key(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** This target's {@link #key(String, int)}. */
  public String key() {
    return key(host, port);
  }

  private static int parsePort(String digits) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

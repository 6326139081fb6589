package io.sluice.etcd;

import java.net.URI;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;

/**
 * The host and port of an etcd endpoint URL, as gRPC dials them.
 *
 * <p>Exists because {@link URI} takes no host from a name with {@code _} (docker-compose service
 * names such as {@code etcd_1}: {@link URI#getHost()} is null, the authority counts as a registry
 * name), while such names resolve and gRPC connects to them. The host and port are then read from
 * the authority, as the breakers' {@code io.sluice.rules.CallTarget} does. jetcd's {@code
 * endpoints(...)} refuses such names too, so a caller builds the gRPC target itself from {@link
 * #target()}.
 *
 * <p>Shared by the agent ({@code sluice.etcd.endpoints} in {@code SluiceConfig}) and the control
 * plane ({@code EtcdSettings}), so that both read an endpoint the same way; {@link EtcdEndpoints}
 * checks their endpoints with it and words what they refuse.
 *
 * @param host the host as written; an IPv6 literal keeps its brackets, as gRPC targets want it
 * @param port the port, or -1 when the URL names none (or not a number)
 * @param uriHost whether {@link URI} took the host for a server name (an IP address or a host name
 *     without {@code _}); false when it was read from the authority
 */
public record EtcdAddress(String host, int port, boolean uriHost) {

  /** What a host name may hold when {@link URI} refuses it: letters, digits, {@code . _ -}. */
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private static final Pattern PORT = Pattern.compile("[0-9]{1,9}");

  /** The address {@code url} names, or {@code null} when it names no host. */
  public static EtcdAddress of(URI url) {
    if (url.getHost() != null) {
      return new EtcdAddress(url.getHost(), url.getPort(), true);
    }
    String authority = url.getRawAuthority();
    if (authority == null) {
      return null;
    }
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    String port = colon < 0 ? "" : authority.substring(colon + 1);
    if (host.isEmpty()) {
      return null;
    }
    return new EtcdAddress(host, PORT.matcher(port).matches() ? Integer.parseInt(port) : -1, false);
  }

  /**
   * Whether the host can be a host name at all: {@link URI} took it for one, or it has only
   * letters, digits, {@code .}, {@code _} and {@code -}.
   */
  public boolean isHostName() {
    return uriHost || HOST_NAME.matcher(host).matches();
  }

  /**
   * Whether the JDK's TLS host name check accepts the host: an IP address, or a host name that is a
   * valid DNS name ({@code javax.net.ssl} refuses {@code etcd_1} with "Illegal given domain name",
   * whatever the certificate says).
   */
  public boolean isTlsHostName() {
    if (host.startsWith("[")) {
      return true;
    }
    try {
      new SNIHostName(host);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code host:port}, an address as a gRPC target lists it. */
  public String target() {
    return host + ":" + port;
  }

  /**
   * {@code text} (a URL, a comma-separated list of them, a list's {@code toString()}) with the
   * password of every URL's user info replaced by {@code ****}, so that no message or log line
   * shows it. Errs towards hiding: everything from the first {@code :} after a {@code ://} to the
   * last {@code @} before the next one is hidden (a password may hold {@code :}, {@code ,}, {@code
   * /} or {@code @} when written unencoded), and before any {@code ://} everything up to the last
   * {@code @}.
   */
  public static String withoutPasswords(String text) {
    StringBuilder shown = new StringBuilder(text.length());
    int start = 0;
    while (true) {
      int next = text.indexOf("://", start);
      String part = text.substring(start, next < 0 ? text.length() : next);
      int at = part.lastIndexOf('@');
      int from = start == 0 ? 0 : part.indexOf(':') + 1;
      if (at >= 0 && (start == 0 || (from > 0 && from <= at))) {
        part = part.substring(0, from) + "****" + part.substring(at);
      }
      shown.append(part);
      if (next < 0) {
        return shown.toString();
      }
      shown.append("://");
      start = next + 3;
    }
  }
}

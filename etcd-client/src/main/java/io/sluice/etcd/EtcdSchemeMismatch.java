package io.sluice.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * Tells a failure caused by endpoints of the wrong scheme — {@code https://} in front of a plain
 * etcd, {@code http://} in front of an etcd that only speaks TLS — from an outage, so that the one
 * line a caller logs per outage says what to fix instead of leaving the operator waiting for an
 * outage that never ends.
 *
 * <p>Exists because gRPC words both mistakes opaquely: a TLS client that a plain etcd hangs up on
 * fails with {@code StacklessClosedChannelException} ("Connection closed while performing TLS
 * negotiation") or a connection reset during the handshake, a plain client that a TLS etcd hangs up
 * on with {@code UNAVAILABLE: Network closed for unknown reason}. Shared by every caller that logs
 * etcd failures (the agent's rule source and status reporter), so they detect the same cases in the
 * same words.
 *
 * <p>It only speaks up on specific evidence, so that a real outage is never called a
 * misconfiguration:
 *
 * <ul>
 *   <li>etcd has never answered this caller (once it has, the scheme is right and any failure is an
 *       outage);
 *   <li>for {@code https://}: a handshake that failed because the peer sent something that is not
 *       TLS ({@code SSLException: not an SSL/TLS record}), or a connection that was opened and then
 *       closed or reset while gRPC was still negotiating TLS. A refused connection (etcd down) and
 *       a handshake that etcd refused (an unknown client certificate, an untrusted server one) are
 *       not;
 *   <li>for {@code http://}: a connection closed or reset by the server before it said anything
 *       ({@code UNAVAILABLE: Network closed for unknown reason} with no cause, or a {@code
 *       Connection reset}), which is how an etcd serving only TLS treats the plain HTTP/2 preface,
 *       or Go's own "Client sent an HTTP request to an HTTPS server". A refused connection (etcd
 *       down) is not.
 * </ul>
 *
 * <p>Only JDK types and gRPC's {@link StatusRuntimeException} are tested, never class names as
 * strings, so it works as well in the javaagent, where gRPC and Netty are relocated.
 *
 * <pre>{@code
 * EtcdSchemeMismatch schemes = EtcdSchemeMismatch.of(config.etcdEndpoints());
 * String hint = schemes.hint(failure, everAnswered); // null, or what is probably wrong
 * }</pre>
 */
public final class EtcdSchemeMismatch {

  private static final EtcdSchemeMismatch UNKNOWN = new EtcdSchemeMismatch(List.of(), null);

  private final List<URI> endpoints;

  /** {@code "https"} or {@code "http"} for all endpoints, else {@code null}: no hint. */
  private final String scheme;

  private EtcdSchemeMismatch(List<URI> endpoints, String scheme) {
    this.endpoints = endpoints;
    this.scheme = scheme;
  }

  /**
   * For a client that dials {@code endpoints}. Without endpoints, or with a mix of schemes (which
   * {@link EtcdEndpoints#check} refuses), it never gives a hint.
   */
  public static EtcdSchemeMismatch of(Collection<URI> endpoints) {
    List<URI> copy = List.copyOf(endpoints);
    List<String> schemes =
        copy.stream()
            .map(uri -> String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT))
            .distinct()
            .toList();
    if (schemes.size() != 1 || !(schemes.get(0).equals("https") || schemes.get(0).equals("http"))) {
      return UNKNOWN;
    }
    return new EtcdSchemeMismatch(copy, schemes.get(0));
  }

  /**
   * What to fix when etcd never answered: the {@linkplain #hint scheme's hint}, else that nothing
   * listens at the endpoints ({@link EtcdNotListening}); {@code null} when neither applies. The one
   * call of the callers that add a hint to their outage's log line. Never throws.
   *
   * @param answeredBefore whether etcd has answered this caller at least once
   */
  public String hintOrNotListening(Throwable failure, boolean answeredBefore) {
    String hint = hint(failure, answeredBefore);
    return hint != null ? hint : EtcdNotListening.hint(failure, answeredBefore, endpoints);
  }

  /** One that never gives a hint: the endpoints are not known. */
  public static EtcdSchemeMismatch unknown() {
    return UNKNOWN;
  }

  /**
   * What is probably wrong when {@code failure} looks like the endpoints' scheme does not match
   * what etcd speaks, to add to the log line of the failure; {@code null} when it does not, or when
   * etcd has answered before. Never throws.
   *
   * @param answeredBefore whether etcd has answered this caller at least once
   */
  public String hint(Throwable failure, boolean answeredBefore) {
    if (answeredBefore || scheme == null || failure == null) {
      return null;
    }
    try {
      if (scheme.equals("https") && plainPeerOfTlsClient(failure)) {
        return endpointsNamed()
            + " TLS but etcd there does not seem to speak TLS (check "
            + EtcdEndpoints.ENDPOINTS_KEY
            + ": http:// for plain etcd)";
      }
      if (scheme.equals("http") && tlsPeerOfPlainClient(failure)) {
        return endpointsNamed()
            + " plain text but etcd there seems to speak only TLS (check "
            + EtcdEndpoints.ENDPOINTS_KEY
            + ": https:// for etcd with TLS, with sluice.etcd.tls.* as it needs)";
      }
    } catch (RuntimeException e) {
      // a hint is a courtesy: never a reason for the caller's log line to fail
    }
    return null;
  }

  private String endpointsNamed() {
    String named = endpoints.stream().map(URI::toString).collect(Collectors.joining(", "));
    return endpoints.size() == 1
        ? "the endpoint " + named + " uses"
        : "the endpoints " + named + " use";
  }

  /**
   * A TLS client whose peer answered with something other than TLS, or hung up on the handshake.
   */
  static boolean plainPeerOfTlsClient(Throwable failure) {
    boolean negotiating = false;
    Throwable root = failure;
    for (Throwable t : Causes.of(failure)) {
      root = t;
      String message = String.valueOf(t.getMessage());
      if (t instanceof SSLException) {
        // the peer's bytes are not TLS: specific. Any other handshake failure (a refused client
        // certificate, an untrusted server one) means etcd does speak TLS.
        return message.contains("not an SSL/TLS record");
      }
      if (message.contains("while performing TLS negotiation")
          || (t instanceof StatusRuntimeException && message.contains("ClientTlsHandler"))) {
        // gRPC's TLS negotiator was still in the channel's pipeline: the connection was open and
        // the handshake not done
        negotiating = true;
      }
    }
    return negotiating
        && !(root instanceof ConnectException)
        && (root instanceof ClosedChannelException
            || root instanceof StatusRuntimeException
            || (root instanceof SocketException
                && String.valueOf(root.getMessage()).contains("Connection reset")));
  }

  /**
   * A plain client whose peer hung up before saying anything, as a TLS-only etcd does: with a FIN
   * when it had read all the client sent, with a reset when the client's first frames were still
   * arriving as it closed (which one is a race on every connection).
   */
  static boolean tlsPeerOfPlainClient(Throwable failure) {
    for (Throwable t : Causes.of(failure)) {
      String message = String.valueOf(t.getMessage());
      if (message.contains("Client sent an HTTP request to an HTTPS server")) {
        return true;
      }
      if (t instanceof IOException && message.contains("Connection reset")) {
        return true;
      }
      if (t instanceof StatusRuntimeException grpc
          && grpc.getStatus().getCode() == Status.Code.UNAVAILABLE
          && "Network closed for unknown reason".equals(grpc.getStatus().getDescription())
          && grpc.getCause() == null) {
        return true;
      }
    }
    return false;
  }
}

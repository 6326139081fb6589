package io.sluice.controlplane.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.etcd.EtcdSchemeMismatch;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Says what to fix when etcd has never answered the control plane: endpoints of the wrong scheme
 * ({@code https://} in front of a plain etcd, {@code http://} in front of a TLS-only one) or
 * nothing listening there, in the words the agent uses ({@link
 * EtcdSchemeMismatch#hintOrNotListening}), for the API's 503 answers and health.
 *
 * <p>Exists because the control plane's calls wait for a connection ({@code waitForReady}, jetcd's
 * default) until their deadline, so each of these mistakes ended as "etcd did not answer within …
 * ms", saying nothing of why. When a call failed that way, one call that fails fast ({@code
 * waitForReady(false)}) is sent on the same connection: gRPC then answers with the connection's own
 * failure, which the shared classifier reads. Once etcd has answered, the scheme and the endpoints
 * are right, and it says nothing more (nor sends anything).
 *
 * <p>A connection that neither fails nor answers (an etcd that takes connections and serves no
 * call, connects that are dropped) makes that call wait out its time, and tells nothing: then no
 * such call is sent for {@link #QUIET_AFTER_NO_ANSWER}, so failures while etcd is silent do not
 * each take a second more and send one more read to it.
 *
 * <p>Behind the HTTP proxy the JVM names for etcd ({@link JvmProxy}), the connection is the
 * proxy's: it says only that the proxy refused the tunnel (a 407, in {@link EtcdRefusal}'s words)
 * or the connection, never that nothing listens at etcd's endpoints or that their scheme is wrong.
 *
 * <p>One such call at a time: failures that come while one is on its way (API calls and health
 * checks failing together) wait for its answer and share it, instead of each sending its own.
 */
final class FirstContact {

  private static final Logger LOG = Logger.getLogger(FirstContact.class.getName());

  /** The most the fail-fast call may wait: the connection's failure is known at once or soon. */
  private static final Duration AT_MOST = Duration.ofSeconds(1);

  /** How long no call is sent after one that got no answer, fast or not, within its time. */
  static final Duration QUIET_AFTER_NO_ANSWER = Duration.ofSeconds(30);

  /** Knows no endpoints: never says anything. */
  static final FirstContact NONE = new FirstContact(null, List.of(), Duration.ZERO);

  private final Client client;
  private final List<URI> endpoints;
  private final EtcdSchemeMismatch schemes;
  private final Duration within;
  private volatile boolean answered;

  /** {@link System#nanoTime()} before which no call is sent; 0 when none got no answer. */
  private volatile long quietUntil;

  /** The call on its way, whose failure (or {@code null}) every caller meanwhile shares. */
  private final AtomicReference<CompletableFuture<Throwable>> onItsWay = new AtomicReference<>();

  /**
   * @param client the control plane's client, whose connection is asked
   * @param endpoints the endpoints it dials
   * @param timeout {@code sluice.etcd.timeout}: the fail-fast call waits 1 s at most, less if this
   *     is shorter
   */
  FirstContact(Client client, Collection<URI> endpoints, Duration timeout) {
    this.client = client;
    this.endpoints = List.copyOf(endpoints);
    this.schemes = EtcdSchemeMismatch.of(endpoints);
    this.within = timeout.compareTo(AT_MOST) < 0 ? timeout : AT_MOST;
    this.answered = client == null || endpoints.isEmpty();
  }

  /** etcd answered a call (a refusal is an answer too): nothing more to say from now on. */
  void answered() {
    if (!answered) { // one volatile read on every answered call
      answered = true;
    }
  }

  /** Whether etcd has answered a call (or there is nothing to say): no hint is true any more. */
  boolean answeredOnce() {
    return answered;
  }

  /**
   * What to fix, when etcd has never answered and {@code failure} (or, when it says nothing, the
   * connection's own failure) shows the endpoints' scheme is wrong or nothing listens there; else
   * {@code null}. Never throws.
   *
   * @param failure why the call failed, or {@code null}; a timeout says nothing of why
   */
  String hint(Throwable failure) {
    if (answered) {
      return null;
    }
    try {
      String proxy = JvmProxy.ofAny(endpoints);
      if (proxy != null) {
        return throughProxy(failure, proxy);
      }
      String hint = schemes.hintOrNotListening(failure, false);
      return hint != null ? hint : schemes.hintOrNotListening(connectionFailure(), answered);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "could not tell why etcd never answered", e);
      return null;
    }
  }

  /**
   * The hint when the client dials etcd through the HTTP proxy the JVM names: the proxy refusing
   * the tunnel (a 407 for credentials, a 403), in {@link EtcdRefusal}'s words, or refusing the
   * connection; else {@code null}. The scheme's and "nothing listens" hints are not given: the
   * connection they read is the proxy's, not etcd's (a refused one is the proxy not listening).
   */
  private String throughProxy(Throwable failure, String proxy) {
    String refused = EtcdRefusal.notEtcd(failure, endpoints);
    if (refused != null) {
      return refused;
    }
    Throwable connection = connectionFailure();
    if (connection == null || answered) {
      return null;
    }
    refused = EtcdRefusal.notEtcd(connection, endpoints);
    if (refused != null) {
      return refused;
    }
    return EtcdRefusal.connectionRefused(connection)
        ? "the HTTP proxy "
            + proxy
            + " that the JVM's proxy settings name for etcd refused the connection (nothing"
            + " listens there?): start the proxy, or list etcd's hosts in http.nonProxyHosts"
        : null;
  }

  /**
   * The failure of one call that does not wait for a connection; {@code null} if etcd answered, or
   * if no call is sent (one got no answer within its time a moment ago). A caller that comes while
   * another's call is on its way waits for that call and gets its failure.
   */
  private Throwable connectionFailure() {
    long quiet = quietUntil;
    if (quiet != 0 && quiet - System.nanoTime() > 0) {
      return null;
    }
    CompletableFuture<Throwable> mine = new CompletableFuture<>();
    CompletableFuture<Throwable> theirs = onItsWay.compareAndExchange(null, mine);
    if (theirs != null) {
      return sharedFailure(theirs);
    }
    try {
      Throwable failure = sendOne();
      mine.complete(failure);
      return failure;
    } finally {
      mine.complete(null); // if sending threw: the others go on without a failure
      onItsWay.set(null);
    }
  }

  /** The failure of the call another caller sent, waiting for it as long as the call may take. */
  private Throwable sharedFailure(CompletableFuture<Throwable> call) {
    try {
      // the call ends at its deadline; the margin covers its start
      return call.get(within.toMillis() + AT_MOST.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /** Sends one call that does not wait for a connection: its failure, or {@code null}. */
  private Throwable sendOne() {
    ManagedChannel channel = EtcdChannels.channel(client);
    if (channel == null) {
      return null;
    }
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          KVGrpc.getRangeMethod(),
          // not waitForReady: fails at once with the connection's failure when it has one
          CallOptions.DEFAULT.withDeadlineAfter(
              Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS),
          RangeRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("\0"))
              .setCountOnly(true)
              .build());
      answered();
      return null;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // neither failed nor answered: the next one would wait as long, for nothing
        long until = System.nanoTime() + QUIET_AFTER_NO_ANSWER.toNanos();
        quietUntil = until == 0 ? 1 : until;
      }
      return e;
    }
  }
}

package io.sluice.sdk.status;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The etcd lease the status key is bound to: granted on demand, kept alive by jetcd, given up when
 * lost and revoked on close, so the key lives exactly as long as the agent does.
 *
 * <p>Kept apart from the reporter because it is the part that crosses threads: jetcd reports a lost
 * keep-alive on its own thread (handed to the reporter through {@link LostListener}), and {@link
 * #stopKeepAlive()} may run on the closing thread while the reporter's thread is stuck in a call to
 * a silent etcd. Everything else runs on the reporter's thread.
 */
final class StatusLease {

  // The reporter's logger: one name for everything the status reporting logs.
  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  /** Hears that jetcd no longer keeps lease {@code id} alive; called on a jetcd thread. */
  interface LostListener {
    void onLost(long id, Throwable error);
  }

  private final Client client;
  private final String key;
  private final Duration ttl;
  private final Duration callTimeout;
  private final BooleanSupplier closed;
  private final LostListener lostListener;

  private volatile long id;

  /** Written on the reporter's thread; volatile so the closing thread can stop it. */
  private volatile CloseableClient keepAlive;

  /**
   * @param key the status key, for log lines
   * @param closed whether the reporter is closed: a lease granted after that is not kept alive
   */
  StatusLease(
      Client client,
      String key,
      Duration ttl,
      Duration callTimeout,
      BooleanSupplier closed,
      LostListener lostListener) {
    this.client = client;
    this.key = key;
    this.ttl = ttl;
    this.callTimeout = callTimeout;
    this.closed = closed;
    this.lostListener = lostListener;
  }

  /** The lease's id, 0 when there is none right now. */
  long id() {
    return id;
  }

  /** Grants a lease and has jetcd keep it alive. */
  void grant() throws Exception {
    long granted =
        client
            .getLeaseClient()
            .grant(ttl.toSeconds())
            .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .getID();
    id = granted;
    keepAlive = client.getLeaseClient().keepAlive(granted, new KeepAliveObserver(granted));
    if (closed.getAsBoolean()) {
      stopKeepAlive(); // close() gave up waiting while the lease was granted
    }
  }

  /** Gives the lease up without revoking it (it is gone already, or expires on its own). */
  void drop() {
    stopKeepAlive();
    id = 0;
  }

  /** Stops keeping the lease alive; safe from any thread. */
  void stopKeepAlive() {
    CloseableClient k = keepAlive;
    if (k != null) {
      keepAlive = null;
      try {
        k.close();
      } catch (RuntimeException ignored) {
        // Already broken.
      }
    }
  }

  /**
   * Revokes the lease, which deletes the key at once, waiting at most {@code timeout}: a courtesy,
   * as the key expires with its lease anyway.
   */
  void revoke(Duration timeout) {
    long revoked = id;
    stopKeepAlive();
    id = 0;
    if (revoked == 0) {
      return;
    }
    try {
      client.getLeaseClient().revoke(revoked).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      logger.info(
          "could not revoke the status lease of "
              + key
              + " ("
              + EtcdErrors.rootMessage(e)
              + "); the key expires with it");
    }
  }

  /** Tells the listener when jetcd gives up keeping a lease alive. */
  private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse> {
    private final long observed;

    KeepAliveObserver(long observed) {
      this.observed = observed;
    }

    @Override
    public void onNext(LeaseKeepAliveResponse response) {
      if (response.getTTL() <= 0) {
        onError(new IllegalStateException("etcdserver: requested lease not found"));
      }
    }

    @Override
    public void onError(Throwable error) {
      if (!closed.getAsBoolean()) {
        lostListener.onLost(observed, error);
      }
    }

    @Override
    public void onCompleted() {
      onError(new IllegalStateException("the lease keep-alive ended"));
    }
  }
}

package io.sluice.sdk.status;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.sluice.sdk.EtcdErrors;
import io.sluice.sdk.QuietLog;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The etcd lease the status key is bound to: granted on demand, kept alive by jetcd, given up when
 * lost and revoked on close, so the key lives exactly as long as the agent does.
 *
 * <p>Kept apart from the reporter because it is the part that crosses threads: jetcd reports a lost
 * keep-alive on its own thread (handed to the reporter through {@link LostListener}), and {@link
 * #close()} and {@link #stopKeepAlive()} run on the closing thread while the reporter's thread may
 * be stuck in a call to a silent etcd or just have had a lease granted: {@code close()} and the
 * taking up of a granted lease exclude each other, so a lease is either the closing thread's to
 * revoke or revoked by the grant. Everything else runs on the reporter's thread.
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
  private final LongConsumer granted;

  private final Object lock = new Object();

  // guarded by lock: set by close(), after which grant() takes no lease up
  private boolean closing;

  private volatile long id;

  /** Written on the reporter's thread; volatile so the closing thread can stop it. */
  private volatile CloseableClient keepAlive;

  /**
   * @param key the status key, for log lines
   * @param closed whether the reporter is closed: a keep-alive that ends after that is no loss
   * @param granted hears of each lease etcd grants before it is taken up (a test's hold)
   */
  StatusLease(
      Client client,
      String key,
      Duration ttl,
      Duration callTimeout,
      BooleanSupplier closed,
      LostListener lostListener,
      LongConsumer granted) {
    this.client = client;
    this.key = key;
    this.ttl = ttl;
    this.callTimeout = callTimeout;
    this.closed = closed;
    this.lostListener = lostListener;
    this.granted = granted;
  }

  /** The lease's id, 0 when there is none right now. */
  long id() {
    return id;
  }

  /**
   * Grants a lease and has jetcd keep it alive, unless {@link #close()} came first: a lease etcd
   * grants after that is revoked, never taken up, so nothing is written under it. One whose answer
   * is given up (a timeout, or the interrupt of a close that does not wait) is revoked when the
   * answer comes after all. One jetcd refuses to keep alive is revoked too, and the refusal thrown:
   * no lease is held until it is kept alive.
   *
   * @return whether the lease was taken up; false when closed meanwhile
   */
  boolean grant() throws Exception {
    CompletableFuture<LeaseGrantResponse> pending = client.getLeaseClient().grant(ttl.toSeconds());
    long granted;
    try {
      granted = pending.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS).getID();
    } catch (InterruptedException | TimeoutException e) {
      // etcd may grant it all the same, and no one would take it up
      pending.thenAccept(late -> revokeUnused(late.getID()));
      throw e;
    }
    this.granted.accept(granted);
    synchronized (lock) {
      if (!closing) {
        takeUp(granted);
        return true;
      }
    }
    revokeUnused(granted);
    return false;
  }

  /**
   * Has jetcd keep lease {@code granted} alive, and only then holds it: a lease no one keeps alive
   * must never be held, or the next write would go under it and the key expire with it, with
   * nothing said. When jetcd refuses (its lease client closed meanwhile), the lease is revoked
   * unused and the refusal thrown, so the next write grants a new one. Called under {@link #lock}.
   */
  private void takeUp(long granted) {
    CloseableClient kept;
    try {
      kept = client.getLeaseClient().keepAlive(granted, new KeepAliveObserver(granted));
    } catch (RuntimeException e) {
      revokeUnused(granted);
      throw e;
    }
    keepAlive = kept;
    id = granted;
  }

  /**
   * From now on no lease is taken up ({@link #grant} revokes what etcd grants later). Returns the
   * lease held, 0 for none: a write in flight may still put the key under it, so the caller revokes
   * it after that write.
   */
  long close() {
    synchronized (lock) {
      closing = true;
      return id;
    }
  }

  /**
   * Revokes a lease nothing was written under, without waiting: it would expire anyway, so a
   * failure (etcd away, the client closed) is only logged at FINE.
   */
  private void revokeUnused(long unused) {
    try {
      client
          .getLeaseClient()
          .revoke(unused)
          .whenComplete(
              (response, error) -> {
                if (error != null) {
                  logUnrevoked(unused, error);
                }
              });
    } catch (RuntimeException e) {
      logUnrevoked(unused, e);
    }
  }

  private void logUnrevoked(long unused, Throwable error) {
    logger.log(
        Level.FINE,
        "could not revoke the unused status lease "
            + unused
            + " of "
            + key
            + " ("
            + EtcdErrors.rootMessage(error)
            + "); it expires with no key on it");
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
   * Revokes lease {@code revoked} (the one {@link #close()} returned), which deletes the key at
   * once, waiting at most {@code timeout}: a courtesy, as the key expires with its lease anyway.
   * The request stays on its way after a timeout, so an etcd that answers late still deletes the
   * key.
   */
  void revoke(long revoked, Duration timeout) {
    stopKeepAlive();
    id = 0;
    try {
      client.getLeaseClient().revoke(revoked).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      QuietLog.write(
          logger,
          Level.INFO,
          "could not revoke the status lease of "
              + key
              + " within "
              + timeout.toMillis()
              + " ms ("
              + EtcdErrors.rootMessage(e)
              + "); the key expires with it unless etcd takes the revoke late",
          null);
    }
  }

  /**
   * Tells the listener when jetcd gives up keeping a lease alive: etcd answered that the lease is
   * gone, jetcd's lease client was closed, or no keep-alive was answered before the lease's
   * deadline (jetcd then completes the observer). A broken keep-alive stream is none of these:
   * jetcd tells every observer of it, keeps the lease and opens the stream again half a second
   * later, and the lease lives on in etcd meanwhile (an etcd restart, a connection reset by a
   * proxy). Taking that for a loss would give up a lease that is still good and bind the key to a
   * new one, or, when the new grant fails while etcd is away, let the key expire with the old lease
   * although etcd came back well within its time to live.
   */
  private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse> {
    private final long observed;

    KeepAliveObserver(long observed) {
      this.observed = observed;
    }

    @Override
    public void onNext(LeaseKeepAliveResponse response) {
      if (response.getTTL() <= 0) {
        lost(new IllegalStateException("etcdserver: requested lease not found"));
      }
    }

    @Override
    public void onError(Throwable error) {
      if (EtcdErrors.isLeaseNotFound(error) || error instanceof ClosedClientException) {
        lost(error);
      } else if (!closed.getAsBoolean()) {
        logger.log(
            Level.FINE,
            "the keep-alive stream of the status lease of "
                + key
                + " broke ("
                + EtcdErrors.rootMessage(error)
                + "); jetcd keeps the lease and opens the stream again");
      }
    }

    @Override
    public void onCompleted() {
      lost(new IllegalStateException("no keep-alive of the lease was answered within its TTL"));
    }

    private void lost(Throwable error) {
      if (!closed.getAsBoolean()) {
        lostListener.onLost(observed, error);
      }
    }
  }
}

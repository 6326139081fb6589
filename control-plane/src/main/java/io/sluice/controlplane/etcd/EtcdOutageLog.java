package io.sluice.controlplane.etcd;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Keeps an etcd outage to two lines in the log however many API calls it fails: the API answers
 * every call 503 {@code etcd-unavailable} while etcd is away (or while the embedded etcd's port is
 * taken), and a polling browser tab or a retrying script made that one WARNING per answer. The
 * first 503 of a stretch is said at WARNING, the rest at FINE, and one INFO line says when etcd
 * answers again and how many 503s were answered meanwhile.
 *
 * <p>A stretch ends when the {@link EtcdGateway} sees etcd answer a call, whichever (an API call, a
 * mirror's read, a health check), so a recovery is logged even when no API call comes after it; a
 * 503 after that begins a new stretch, with its own WARNING.
 */
public final class EtcdOutageLog {

  private static final Logger LOG = Logger.getLogger(EtcdOutageLog.class.getName());

  /** 503s answered since etcd last answered; 0 while no stretch is open. */
  private final AtomicLong unavailable = new AtomicLong();

  /**
   * Counts one 503 {@code etcd-unavailable} answered to an API call.
   *
   * @return whether it is the first since etcd last answered: that one is worth a WARNING, the
   *     others a FINE line
   */
  public boolean firstOfStretch() {
    return unavailable.getAndIncrement() == 0;
  }

  /** etcd answered a call: ends the stretch, if one is open, with one INFO line. */
  public void etcdAnswered() {
    if (unavailable.get() == 0) { // one volatile read on every answered etcd call
      return;
    }
    long answered = unavailable.getAndSet(0);
    if (answered > 0) {
      LOG.info(
          () ->
              "etcd answers again; "
                  + answered
                  + (answered == 1 ? " API call was" : " API calls were")
                  + " answered 503 etcd-unavailable meanwhile (the first logged at WARNING, the"
                  + " rest at FINE)");
    }
  }
}

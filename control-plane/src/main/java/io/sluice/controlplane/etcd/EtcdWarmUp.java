package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the etcd connection while the control plane starts, before it takes requests: the first
 * gRPC call loads and initialises thousands of classes, which on a busy machine can take longer
 * than the per-call deadline. Waits up to 60 s; if etcd does not answer, the control plane still
 * starts (health DOWN, writes 503) and connects when etcd comes. If etcd refuses the control
 * plane's credentials or permissions, it starts too, and the log says so at once, with what to
 * change (it said etcd did not answer).
 */
final class EtcdWarmUp implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(EtcdWarmUp.class.getName());
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Client client;
  private final EtcdGateway etcd;
  private volatile boolean running;

  EtcdWarmUp(Client client, EtcdGateway etcd) {
    this.client = client;
    this.etcd = etcd;
  }

  @Override
  public void start() {
    running = true;
    try {
      long revision =
          client
              .getKVClient()
              .get(
                  EtcdGateway.bytes(etcd.keys().rulesPrefix()),
                  GetOption.builder().withCountOnly(true).build())
              .get(WAIT.toSeconds(), TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      LOG.info("connected to etcd (store revision " + revision + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      LOG.warning(
          "etcd did not answer within "
              + WAIT.toSeconds()
              + " s; starting anyway, health is DOWN until it does");
    } catch (ExecutionException | RuntimeException e) {
      failed(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
    }
  }

  /**
   * Says why etcd could not be read: a refusal of the control plane's credentials or permissions
   * once and plainly, with what to change, as it will not go away by waiting (the API answers 500
   * {@code etcd-refused} meanwhile); anything else as the outage it is, by its message, or by its
   * class when it has none (a {@code ClosedChannelException}, say: it was logged as "(null)").
   */
  static void failed(Throwable cause) {
    EtcdRefusedException refused = EtcdRefusedException.of(cause, "read the rules");
    if (refused != null && refused.notPermitted()) {
      LOG.severe(
          "etcd refused the control plane's credentials or permissions ("
              + refused.reason()
              + "): "
              + EtcdRefusedException.NOT_PERMITTED_ACTION
              + ". Starting anyway: health is DOWN and the API answers 500 etcd-refused until then");
    } else {
      LOG.warning(
          "etcd could not be read ("
              + (refused != null
                  ? refused.reason()
                  : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName())
              + "); starting anyway, health is DOWN until it can");
    }
  }

  @Override
  public void stop() {
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Before the watches and the web server. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 1000;
  }
}

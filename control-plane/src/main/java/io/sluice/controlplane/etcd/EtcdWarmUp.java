package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>When no endpoint answers {@link EndpointProbe}'s probe throughout {@code sluice.etcd.timeout}
 * (every connection refused, a connect that times out because SYNs are dropped, a socket that
 * accepts and says nothing), it stops waiting then and says so, naming each endpoint and what it
 * showed: etcd is not there, not slow, and a start against it took over a minute for nothing. The
 * endpoints are probed all at once, so that is {@code sluice.etcd.timeout} however many there are
 * (one after the other, each that dropped connects or stayed silent added the timeout). Once an
 * endpoint answers it no longer probes, and waits the 60 s for etcd's first read.
 *
 * <p>Whenever it starts without etcd, it also leaves why in {@link StartFindings}, which {@code
 * /actuator/health} shows until etcd is first read.
 */
final class EtcdWarmUp implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(EtcdWarmUp.class.getName());
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * How often, while the read has no answer, the endpoints are probed again (a round ends sooner
   * when every address refuses at once, or later when one stays silent).
   */
  private static final Duration PROBE_EVERY = Duration.ofMillis(250);

  private final Client client;
  private final EtcdGateway etcd;
  private final EndpointProbe probe;
  private final StartFindings findings;
  private volatile boolean running;

  /**
   * @param probe the endpoints the client dials, probed while the read has no answer
   * @param findings where it says why, when it starts without etcd
   */
  EtcdWarmUp(Client client, EtcdGateway etcd, EndpointProbe probe, StartFindings findings) {
    this.client = client;
    this.etcd = etcd;
    this.probe = probe;
    this.findings = findings;
  }

  @Override
  public void start() {
    running = true;
    CompletableFuture<GetResponse> read =
        client
            .getKVClient()
            .get(
                EtcdGateway.bytes(etcd.keys().rulesPrefix()),
                GetOption.builder().withCountOnly(true).build());
    try {
      GetResponse answer = await(read);
      if (answer != null) {
        LOG.info("connected to etcd (store revision " + answer.getHeader().getRevision() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | RuntimeException e) {
      String verdict =
          failed(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
      findings.record(new StartFindings.Found(verdict, List.of()));
    }
  }

  /**
   * etcd's answer, or {@code null} (logged) when it did not come within {@link #WAIT}, or no
   * endpoint answered the probe throughout the etcd deadline.
   */
  private GetResponse await(CompletableFuture<GetResponse> read)
      throws InterruptedException, ExecutionException {
    long started = System.nanoTime();
    // while no endpoint answers, the whole wait, probes included, ends here
    long giveUpAt = started + etcd.timeout().toNanos();
    boolean probing = true;
    EndpointProbe.Probed lastProbed = null;
    while (true) {
      long waited = System.nanoTime() - started;
      long left = WAIT.toNanos() - waited;
      if (left <= 0) {
        String verdict = "etcd did not answer within " + WAIT.toSeconds() + " s";
        LOG.warning(verdict + "; starting anyway, health is DOWN until it does");
        findings.record(
            new StartFindings.Found(
                verdict, lastProbed == null ? List.of() : lastProbed.findings()));
        return null;
      }
      try {
        return read.get(Math.min(left, PROBE_EVERY.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // no answer yet: is anything there that speaks?
      }
      if (!probing) {
        continue;
      }
      long probeFor = giveUpAt - System.nanoTime();
      // a round too short to tell a refusal from a timeout would only blur the last one's findings
      if (lastProbed == null || probeFor >= PROBE_EVERY.toNanos()) {
        // every address at once, up to the time left: etcd's answer to the read ends it at once
        EndpointProbe.Probed probed = probe.probe(Duration.ofNanos(Math.max(0, probeFor)), read);
        if (read.isDone()) {
          continue; // answered while probing (an address probed earlier was still starting)
        }
        lastProbed = probed;
        if (!probed.nothingAnswered()) {
          probing = false; // something answers: wait for etcd as long as it takes, up to WAIT
          continue;
        }
      }
      if (System.nanoTime() - giveUpAt >= 0) {
        read.cancel(false);
        gaveUp(lastProbed, etcd.timeout());
        return null;
      }
    }
  }

  /** Says why the warm-up stopped waiting, naming each endpoint and what it showed. */
  private void gaveUp(EndpointProbe.Probed probed, Duration timeout) {
    if (probed.refusedEverywhere()) {
      LOG.warning(
          "nothing listens at etcd's endpoints ("
              + probe.targets()
              + ": every connection refused for "
              + timeout.toMillis()
              + " ms); starting anyway, health is DOWN until etcd runs there, and the control"
              + " plane connects when it does");
      findings.record(
          new StartFindings.Found(
              "nothing listens at etcd's endpoints: every connection refused for "
                  + timeout.toMillis()
                  + " ms",
              probed.findings()));
      return;
    }
    String verdict = "etcd did not answer at its endpoints for " + timeout.toMillis() + " ms";
    LOG.warning(
        verdict
            + " ("
            + probed
            + "); starting anyway, health is DOWN until etcd answers there, and the control plane"
            + " connects when it does");
    findings.record(new StartFindings.Found(verdict, probed.findings()));
  }

  /**
   * Says why etcd could not be read: a refusal of the control plane's credentials or permissions
   * once and plainly, with what to change, as it will not go away by waiting (the API answers 500
   * {@code etcd-refused} meanwhile); anything else as the outage it is, by its message, or by its
   * class when it has none (a {@code ClosedChannelException}, say: it was logged as "(null)").
   *
   * @return why, in one sentence without what to do
   */
  static String failed(Throwable cause) {
    EtcdRefusedException refused = EtcdRefusedException.of(cause, "read the rules");
    if (refused != null && refused.notPermitted()) {
      String verdict =
          "etcd refused the control plane's credentials or permissions (" + refused.reason() + ")";
      LOG.severe(
          verdict
              + ": "
              + EtcdRefusedException.NOT_PERMITTED_ACTION
              + ". Starting anyway: health is DOWN and the API answers 500 etcd-refused until then");
      return verdict;
    }
    String verdict =
        "etcd could not be read ("
            + (refused != null
                ? refused.reason()
                : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName())
            + ")";
    LOG.warning(verdict + "; starting anyway, health is DOWN until it can");
    return verdict;
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

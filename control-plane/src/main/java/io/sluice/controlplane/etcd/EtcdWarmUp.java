package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the etcd connection while the control plane starts, before it takes requests: the first
 * gRPC call loads and initialises thousands of classes, which on a busy machine can take longer
 * than the per-call deadline. Waits up to {@code sluice.etcd.timeout} for etcd's answer to a first
 * read; if it does not come, the control plane still starts (health DOWN, writes 503) and connects
 * when etcd comes. If etcd refuses the control plane's credentials or permissions, it starts too,
 * and the log says so at once, with what to change (it said etcd did not answer).
 *
 * <p>While it waits, {@link EndpointProbe} probes every endpoint at once, so that when it stops
 * waiting it says why, naming each endpoint and what it showed: every connection refused (nothing
 * listens there), a connect that times out because SYNs are dropped, a socket that accepts and says
 * nothing, or an answer to the HTTP/2 preface with no answer to the read (an etcd member without a
 * quorum keeps reads waiting, said at INFO since a slow first call looks the same, and warned of
 * only if the read is still unserved at its deadline). Once an endpoint answers it no longer
 * probes. It used to wait 60 s for the read whenever an endpoint answered, and until then to probe
 * the endpoints one after the other, each adding the timeout: a start against an etcd that was not
 * there, or not serving, took up to over a minute for nothing. A read that is answered after it
 * stopped waiting, but within the call's deadline of twice {@code sluice.etcd.timeout} ({@link
 * OutstandingCalls}), is still logged, which tells a slow etcd (or a slow first call) from one that
 * serves no reads; a read not answered by then ends at that deadline, warned of once when an
 * endpoint had answered (no quorum?).
 *
 * <p>Endpoints the client dials through the HTTP proxy the JVM names for them are not probed (the
 * client does not connect to them directly): it says that etcd did not answer through the proxy,
 * and why when the proxy told it (a 407 for credentials), as the 503s do ({@link FirstContact}).
 * The endpoints dialled directly beside them are probed, and the verdict on them names them as the
 * direct ones (none was probed as soon as one endpoint went through a proxy); when the time left no
 * probe round, the verdict names both ways, the direct endpoints and the proxy (it named only the
 * proxy, as if every endpoint went through it). Endpoints the client leaves out (the JVM's proxy
 * selector gave no answer for them) are named as such. A proxy named by a host name whose first
 * lookup has not answered yet ({@link ProxyNames}) is named as still being looked up: it read as a
 * proxy known to resolve.
 *
 * <p>Whenever it starts without etcd, it also leaves why in {@link StartFindings}, which {@code
 * /actuator/health} shows until etcd is first read.
 */
final class EtcdWarmUp implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(EtcdWarmUp.class.getName());

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
          failed(
              e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e,
              etcd.notPermittedAction());
      findings.record(new StartFindings.Found(verdict, List.of()));
    }
  }

  /** etcd's answer, or {@code null} (logged, with why) when it did not come in time. */
  private GetResponse await(CompletableFuture<GetResponse> read)
      throws InterruptedException, ExecutionException {
    long started = System.nanoTime();
    // the whole wait, probes included, ends here
    long giveUpAt = started + etcd.timeout().toNanos();
    boolean probing = true;
    EndpointProbe.Probed lastProbed = null;
    while (true) {
      long left = giveUpAt - System.nanoTime();
      if (left <= 0 && !read.isDone()) {
        gaveUp(lastProbed, read, started);
        return null;
      }
      try {
        return read.get(Math.max(0, Math.min(left, PROBE_EVERY.toNanos())), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // no answer yet: is anything there that speaks?
      }
      long probeFor = giveUpAt - System.nanoTime();
      // a round too short to tell a refusal from a timeout would only blur the last one's findings
      if (probing && (lastProbed == null || probeFor >= PROBE_EVERY.toNanos())) {
        // every address at once, up to the time left: etcd's answer to the read ends it at once
        EndpointProbe.Probed probed = probe.probe(Duration.ofNanos(Math.max(0, probeFor)), read);
        if (!read.isDone()) { // else answered while probing: taken above
          lastProbed = probed;
          probing = probed.nothingAnswered(); // something answers: only the read is awaited
        }
      }
    }
  }

  /**
   * Says why the warm-up stopped waiting, naming each endpoint and what it showed. The read is
   * cancelled when no endpoint answered; when one did, it is left to finish up to its deadline
   * (twice the timeout, {@link OutstandingCalls}), and its answer, should it come by then, logged.
   *
   * @param probed what the last probe showed, {@code null} if none ran (a deadline shorter than a
   *     probe round); without findings when there was nothing to probe
   */
  private void gaveUp(
      EndpointProbe.Probed probed, CompletableFuture<GetResponse> read, long started) {
    if (probed != null && probed.findings().isEmpty()) {
      probed = null; // nothing to probe: no proof either way
    }
    long timeoutMs = etcd.timeout().toMillis();
    List<EndpointProbe.Finding> notProbed = probe.notProbed();
    List<EndpointProbe.Finding> seen = new ArrayList<>();
    if (probed != null) {
      seen.addAll(probed.findings());
    }
    seen.addAll(notProbed);
    // with endpoints not dialled directly, what the probe shows is of the direct ones only
    String endpoints = notProbed.isEmpty() ? "etcd's endpoints" : "etcd's direct endpoints";
    // the verdicts on the probe are of the direct endpoints: what they cannot tell of the others
    String others = probed == null ? "" : notProbedVerdict(notProbed);
    String verdict;
    // set when the read is left to finish and is warned of if it never is
    String unserved = null;
    if (probed != null && probed.refusedEverywhere()) {
      verdict =
          "nothing listens at "
              + endpoints
              + ": every connection refused for "
              + timeoutMs
              + " ms"
              + others;
      LOG.warning(
          "nothing listens at "
              + endpoints
              + " ("
              + probe.directTargets()
              + ": every connection refused for "
              + timeoutMs
              + " ms)"
              + others
              + "; starting anyway, health is DOWN until etcd runs there, and the control"
              + " plane connects when it does");
    } else if (probed != null && probed.nothingAnswered()) {
      verdict =
          "etcd did not answer at its "
              + (notProbed.isEmpty() ? "" : "direct ")
              + "endpoints for "
              + timeoutMs
              + " ms"
              + others;
      LOG.warning(verdict + " (" + probed + "); " + startingAnyway("answers there"));
    } else if (probed != null && probed.answeredOnlyOverTls()) {
      verdict =
          endpoints
              + " answered plain text as an etcd serving only TLS does: use https:// in"
              + " sluice.etcd.endpoints, with the sluice.etcd.tls.* settings it needs"
              + others;
      LOG.warning(verdict + " (" + probed + "); " + startingAnyway("answers there"));
    } else if (probed != null) {
      String answered =
          "etcd answered at its "
              + (notProbed.isEmpty() ? "" : "direct ")
              + "endpoints but did not serve ";
      verdict =
          answered
              + "a read within "
              + timeoutMs
              + " ms: a slow first call, or no quorum?"
              + others;
      // on a busy machine the first call alone can take that long: warned of only if the read
      // stays unanswered up to its deadline
      LOG.info(
          verdict
              + " ("
              + probed
              + "); starting anyway, health is DOWN until etcd serves reads, and the read is"
              + " awaited until "
              + OutstandingCalls.deadline(etcd.timeout()).toMillis()
              + " ms after it was sent");
      unserved = answered + "the start's read";
    } else if (probe.proxy() != null) {
      // no probe round told of the endpoints dialled directly, if any (with none, every endpoint
      // goes through a proxy or is left out): the verdict covers both ways, and the hint (a 407,
      // a refused connection) is of whichever way the client's own connection failed
      String direct = probe.directTargets();
      String hint = etcd.neverAnsweredHint();
      // each proxy the JVM's selector names for an endpoint, not only the first
      Collection<String> proxies = proxiesNamed(notProbed).values();
      verdict =
          "etcd "
              + (direct.isEmpty()
                  ? "did not answer "
                  : "answered neither at its direct endpoints " + direct + " (not probed) nor ")
              + "through the HTTP "
              + (proxies.size() == 1 ? "proxy " : "proxies ")
              + String.join(", ", proxies)
              + " within "
              + timeoutMs
              + " ms"
              + (hint == null ? "" : ": " + hint)
              + leftOut(notProbed);
      LOG.warning(verdict + "; " + startingAnyway("answers"));
    } else {
      verdict = "etcd did not answer within " + timeoutMs + " ms" + leftOut(notProbed);
      LOG.warning(verdict + "; " + startingAnyway("answers"));
    }
    findings.record(new StartFindings.Found(verdict, seen));
    if (probed == null || probed.nothingAnswered()) {
      read.cancel(false);
      return;
    }
    if (unserved != null) {
      warnIfNeverServed(read, unserved, others, probed, started);
    } else {
      read.thenAccept(answer -> logServedLate(answer, started));
    }
  }

  /**
   * Logs the start's read left to finish after an endpoint answered but no read was served: served
   * late, it was a slow etcd or a slow first call (INFO); never served by its deadline, an etcd
   * without a quorum, or a frozen one, is the likely cause (WARNING, once).
   */
  private static void warnIfNeverServed(
      CompletableFuture<GetResponse> read,
      String unserved,
      String others,
      EndpointProbe.Probed probed,
      long started) {
    read.whenComplete(
        (answer, failure) -> {
          if (failure == null) {
            logServedLate(answer, started);
            return;
          }
          Throwable cause =
              failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause()
                  : failure;
          if (cause instanceof CancellationException
              || GrpcStatuses.of(cause).getCode() == Status.Code.CANCELLED) {
            return; // the control plane stopped meanwhile (OutstandingCalls): nothing to warn of
          }
          String why = EtcdGateway.why(cause);
          LOG.warning(
              unserved
                  + " in the "
                  + Duration.ofNanos(System.nanoTime() - started).toMillis()
                  + " ms it was left"
                  + (why == null ? "" : " (" + why + ")")
                  + ": no quorum?"
                  + others
                  + " ("
                  + probed
                  + "; an etcd member without a quorum, or a frozen one, answers connections but"
                  + " not reads); health is DOWN until etcd serves reads, and the control plane"
                  + " connects when it does");
        });
  }

  private static void logServedLate(GetResponse answer, long started) {
    LOG.info(
        "etcd served the start's read after all, "
            + Duration.ofNanos(System.nanoTime() - started).toMillis()
            + " ms after it was sent (store revision "
            + answer.getHeader().getRevision()
            + "): slow, not without a quorum");
  }

  /**
   * What the verdict on the direct endpoints cannot tell of the others: that etcd did not answer
   * through the HTTP proxy (with the proxy's refusal when it gave one), and the endpoints the
   * client leaves out. Empty when every endpoint is dialled directly.
   */
  private String notProbedVerdict(List<EndpointProbe.Finding> notProbed) {
    // by proxy: the JVM's selector may name a different one for each endpoint
    Map<String, List<String>> byProxy = new LinkedHashMap<>();
    for (EndpointProbe.Finding f : notProbed) {
      if (f.seen().throughProxy()) {
        byProxy.computeIfAbsent(f.detail(), proxy -> new ArrayList<>()).add(f.address());
      }
    }
    String said = "";
    if (!byProxy.isEmpty()) {
      String hint = etcd.neverAnsweredProxyHint(); // the direct ones' is the probe's
      Map<String, String> named = proxiesNamed(notProbed);
      List<String> ways = new ArrayList<>();
      byProxy.forEach(
          (proxy, addresses) ->
              ways.add(
                  String.join(", ", addresses)
                      + " (not probed) did not answer through the HTTP proxy "
                      + named.get(proxy)));
      said = "; " + String.join(", ", ways) + " either" + (hint == null ? "" : ": " + hint);
    }
    return said + leftOut(notProbed);
  }

  /**
   * Each HTTP proxy the endpoints not probed go through, by its {@code host:port}, as the verdict
   * names it: its {@code host:port}, followed, while its name's first lookup has not answered
   * (every endpoint through it {@link EndpointProbe.Seen#THROUGH_PROXY_BEING_LOOKED_UP}), by that
   * it is still being looked up. Such a proxy was named as one known to resolve.
   */
  private static Map<String, String> proxiesNamed(List<EndpointProbe.Finding> notProbed) {
    Map<String, Boolean> beingLookedUp = new LinkedHashMap<>();
    for (EndpointProbe.Finding f : notProbed) {
      if (f.seen().throughProxy()) {
        beingLookedUp.merge(
            f.detail(),
            f.seen() == EndpointProbe.Seen.THROUGH_PROXY_BEING_LOOKED_UP,
            Boolean::logicalAnd);
      }
    }
    Map<String, String> named = new LinkedHashMap<>();
    beingLookedUp.forEach(
        (proxy, lookingUp) ->
            named.put(proxy, lookingUp ? proxy + " (its name is still being looked up)" : proxy));
    return named;
  }

  /** The endpoints the client leaves out (the JVM's proxy selector gave no answer), or empty. */
  private static String leftOut(List<EndpointProbe.Finding> notProbed) {
    List<String> leftOut =
        notProbed.stream()
            .filter(f -> f.seen() == EndpointProbe.Seen.LEFT_OUT)
            .map(f -> f.address() + " (" + f.detail() + ")")
            .toList();
    return leftOut.isEmpty()
        ? ""
        : "; the client leaves out " + String.join(", ", leftOut) + ", not dialled at all";
  }

  private static String startingAnyway(String until) {
    return "starting anyway, health is DOWN until etcd "
        + until
        + ", and the control plane connects when it does";
  }

  /**
   * Says why etcd could not be read: a refusal of the control plane's credentials or permissions
   * once and plainly, with what to change, as it will not go away by waiting (the API answers 500
   * {@code etcd-refused} meanwhile); anything else as the outage it is, by its message, or by its
   * class when it has none (a {@code ClosedChannelException}, say: it was logged as "(null)").
   *
   * @param notPermittedAction what to change when etcd refused the credentials or permissions
   * @return why, in one sentence without what to do
   */
  static String failed(Throwable cause, String notPermittedAction) {
    EtcdRefusedException refused = EtcdRefusedException.of(cause, "read the rules");
    if (refused != null && refused.notPermitted()) {
      String verdict =
          "etcd refused the control plane's credentials or permissions (" + refused.reason() + ")";
      LOG.severe(
          verdict
              + ": "
              + (refused.authenticationNotEnabled()
                  ? EtcdRefusedException.AUTHENTICATION_NOT_ENABLED_ACTION
                  : notPermittedAction)
              + ". Starting anyway: health is DOWN and the API answers 500 etcd-refused until"
              + " then");
      return verdict;
    }
    String verdict =
        "etcd could not be read ("
            + (refused != null
                ? refused.reason()
                : EtcdGateway.why(cause) != null
                    ? EtcdGateway.why(cause)
                    : cause.getClass().getName())
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

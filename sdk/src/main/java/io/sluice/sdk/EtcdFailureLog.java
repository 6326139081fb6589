package io.sluice.sdk;

import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.etcd.EtcdSchemeMismatch;
import io.sluice.etcd.ProxyOutageNews;
import io.sluice.etcd.ProxyOutageNews.ProxyCause;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Says the failed etcd calls of one of Sluice's etcd clients that retry in the background (the rule
 * source's reads and watches, the status reporter's writes), once per problem per stretch of
 * failures, so that an outage of hours is a few lines, not one per retry. Both clients judge
 * failures alike and differ only in their words ({@link Wording}); one judgment keeps them from
 * drifting apart.
 *
 * <p>In a stretch (from a failure until {@link #recovered()}): one WARNING that etcd is unreachable
 * (with a hint, before etcd ever answered, when the endpoints' scheme does not match what etcd
 * speaks or nothing listens there), one that etcd refuses this agent's credentials or access, and
 * one that something that is not etcd answers in its place, whatever order they come in and however
 * often etcd flips between them; every other failure at FINE, but for one more WARNING when a proxy
 * in front of etcd answers, after a first failure that said otherwise, that it could not reach etcd
 * (the most telling failure of an outage behind a proxy), and one more when the proxy the JVM names
 * for etcd can no longer be looked up (which nothing else says above FINE). A first call that times
 * out before etcd ever answered is one INFO line: a JVM still starting can be that slow while etcd
 * is fine.
 *
 * <p>Never throws: a line that a log handler of the app's fails to write is left unsaid, not
 * counted as said, and the next failure of its kind says it again. Not thread-safe: confined to the
 * client's own thread.
 */
public final class EtcdFailureLog {

  /**
   * What one client calls the things it says. Each line is one of these, the failure's cause in
   * parentheses, and what follows.
   *
   * @param subject what the client reads or writes, after "for": {@code the rules of orders}
   * @param firstCall its first call, after "the first": {@code read of the rules of orders}
   * @param unreachable the outage: {@code etcd is unreachable for the rules of orders}
   * @param stillUnreachable the outage, again: {@code etcd is still unreachable for the rules of
   *     orders}
   * @param refused etcd refusing access: {@code etcd refuses this agent the rules of orders}
   * @param stillRefused etcd refusing access, again: {@code etcd still refuses the rules of orders}
   * @param access what the etcd user must be allowed, after "the user may": {@code read the rules}
   * @param retrying what the client does meanwhile, ending each WARNING: {@code ; the rules in
   *     force stay, retrying in the background}
   */
  public record Wording(
      String subject,
      String firstCall,
      String unreachable,
      String stillUnreachable,
      String refused,
      String stillRefused,
      String access,
      String retrying) {}

  private final Logger logger;
  private final Wording wording;
  private final Duration callTimeout;
  private final EtcdSchemeMismatch schemes;
  private final List<URI> etcdEndpoints;
  private final EtcdCredentials credentials;
  private final ProxyOutageNews proxyNews = new ProxyOutageNews();

  /** How many refusals of a stale token in a row are said quietly (see {@link #staleToken}). */
  private static final int QUIET_STALE_TOKENS = 3;

  /** Refusals of a stale token said quietly in this stretch (see {@link #staleToken}). */
  private int staleTokens;

  private boolean everAnswered;
  private boolean firstTimeoutTold;
  private boolean refusalTold;
  private boolean outageTold;
  private boolean notEtcdTold;

  /**
   * @param logger where the lines go
   * @param wording the client's words
   * @param callTimeout how long one call may take, as the first timeout's line says
   * @param schemes the endpoints' schemes, for the hint before etcd ever answered
   * @param etcdEndpoints the endpoints the client dials (empty when unknown): a proxy's answer is
   *     read against them
   * @param credentials the credentials the client shows etcd, which a refusal's line says to check
   */
  public EtcdFailureLog(
      Logger logger,
      Wording wording,
      Duration callTimeout,
      EtcdSchemeMismatch schemes,
      List<URI> etcdEndpoints,
      EtcdCredentials credentials) {
    this.logger = Objects.requireNonNull(logger, "logger");
    this.wording = Objects.requireNonNull(wording, "wording");
    this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
    this.schemes = Objects.requireNonNull(schemes, "schemes");
    this.etcdEndpoints = List.copyOf(etcdEndpoints);
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  /**
   * etcd answered a call, without ending the stretch (a read that works while watches fail): a
   * timeout is no longer a JVM still starting, nor a failure a sign of the wrong endpoints.
   */
  public void answered() {
    everAnswered = true;
  }

  /**
   * etcd works again for the client: ends the stretch, so the next failure is warned of anew.
   *
   * @return whether the stretch said anything, for the client to say that it works again
   */
  public boolean recovered() {
    everAnswered = true;
    boolean said = refusalTold || outageTold || notEtcdTold;
    refusalTold = false;
    outageTold = false;
    notEtcdTold = false;
    staleTokens = 0;
    proxyNews.reset();
    return said;
  }

  /**
   * A stream that was up (a watch) ended, its retry not yet made: said at FINE only. A proxy in
   * front of etcd that ends idle streams (nginx after a minute without data, by default) cuts a
   * watch that has nothing to say that often, and the retry that follows resumes it at once; warned
   * of, each cut was a WARNING and an "answers again" line a minute per agent. When the retry fails
   * too, {@link #failed} says that failure as the first of the stretch.
   */
  public void cut(Throwable error) {
    write(
        Level.FINE,
        "the watch for " + wording.subject() + " ended (" + firstLine(error) + "); resuming");
  }

  /**
   * Whether {@code error} refuses a token etcd no longer takes: one etcd calls invalid ({@link
   * EtcdErrors#isTokenStale}: a token that expired between two calls, or while a stream was up), or
   * any refusal of access after a stream that was up was cut ({@code afterCut}, or such a refusal
   * before it in this stretch; etcd restarted, and its simple tokens lived in memory). jetcd logs
   * in again for a later call. Said at FINE, for the client to try again: said as a failure, every
   * agent would be told that etcd is unreachable, or to check credentials that are right. A few in
   * a row (on a loaded machine the call after the refusal may still carry the old token); past
   * {@link #QUIET_STALE_TOKENS}, or a refusal of access without a cut before, a refusal is for
   * {@link #failed}.
   */
  public boolean staleToken(Throwable error, boolean afterCut) {
    boolean stale =
        EtcdErrors.isTokenStale(error)
            || (afterCut || staleTokens > 0) && EtcdErrors.isTokenRefused(error);
    if (!stale || staleTokens >= QUIET_STALE_TOKENS) {
      return false;
    }
    staleTokens++;
    write(
        Level.FINE,
        "etcd refused the token of "
            + wording.subject()
            + " ("
            + firstLine(error)
            + "), which it no longer takes; trying again with a new one");
    return true;
  }

  /** Says a failed call as the class comment tells. */
  public void failed(Throwable error) {
    if (!everAnswered && !firstTimeoutTold && EtcdErrors.isTimeout(error)) {
      // A JVM still starting (class loading, JIT, a busy machine) can make the very first call take
      // longer than the timeout while etcd is fine: say so quietly, warn if it goes on.
      firstTimeoutTold =
          write(
              Level.INFO,
              "etcd has not answered the first "
                  + wording.firstCall()
                  + " within "
                  + callTimeout.toMillis()
                  + " ms; retrying (a warning follows if it keeps failing)");
      return;
    }
    boolean refused = EtcdRefusal.refusedAccess(error);
    // a reverse proxy's 502, 503 or 504, or a CONNECT proxy's 5xx: it could not reach etcd, an
    // outage behind it (as the control plane says), not something that is not etcd to fix (notEtcd
    // says nothing of it)
    ProxyCause proxy = ProxyCause.of(error, etcdEndpoints);
    String notEtcd = refused ? null : EtcdRefusal.notEtcd(error, etcdEndpoints);
    if (notEtcd != null) {
      notEtcdAnswers(notEtcd, error);
      return;
    }
    // gRPC words a proxy's answer over several lines (its headers and body): said in one; a proxy
    // that could not be looked up is said here only (the resolver leaves it to this warning)
    String why = proxy.or(EtcdErrors.rootMessage(error));
    // the outage was said with its first failure (the tunnel to etcd closing as etcd stopped): the
    // proxy's answer since says where etcd is lost, and a proxy lookup failing since says what to
    // fix (nothing else says it above FINE), each once in the stretch, however it flips
    String news = refused || !outageTold ? null : proxyNews.unsaid(proxy);
    if (news != null) {
      if (write(
          Level.WARNING, wording.stillUnreachable() + " (" + news + ")" + wording.retrying())) {
        proxyNews.said(proxy);
      }
      return;
    }
    if (refused ? refusalTold : outageTold) {
      // the same problem again, or again after the other one (etcd down, then back up still
      // refusing): said already in this stretch of failures
      write(
          Level.FINE,
          (refused ? wording.stillRefused() : wording.stillUnreachable())
              + " ("
              + why
              + "); retrying");
      return;
    }
    if (refused) {
      // etcd answered: a configuration mistake to fix, not an outage to wait out
      refusalTold =
          write(
              Level.WARNING,
              wording.refused()
                  + " ("
                  + EtcdErrors.rootMessage(error)
                  + "): "
                  + credentials.advice(wording.access())
                  + wording.retrying());
      return;
    }
    // before etcd ever answered, a failure may be endpoints of the wrong scheme, or where nothing
    // listens: say so, or the operator waits for an outage that never ends
    String hint = schemes.hintOrNotListening(error, everAnswered);
    outageTold =
        write(
            Level.WARNING,
            wording.unreachable()
                + " ("
                + why
                + (hint == null ? ")" : "): " + hint)
                + wording.retrying());
    if (outageTold) {
      proxyNews.firstTold(proxy);
    }
  }

  /**
   * Something that is not etcd (a proxy, an Envoy) answered in etcd's place with an HTTP status,
   * said as {@code notEtcd}: neither an outage to wait out nor etcd refusing this agent's
   * credentials, but what stands in front of etcd to fix.
   */
  private void notEtcdAnswers(String notEtcd, Throwable error) {
    if (notEtcdTold) {
      write(
          Level.FINE,
          notEtcd + ", still, for " + wording.subject() + " (" + firstLine(error) + "); retrying");
      return;
    }
    notEtcdTold =
        write(
            Level.WARNING,
            notEtcd
                + ", for "
                + wording.subject()
                + " ("
                + firstLine(error)
                + "): check what stands between this agent and etcd"
                + wording.retrying());
  }

  private boolean write(Level level, String line) {
    return QuietLog.write(logger, level, line, null);
  }

  /**
   * As {@link EtcdErrors#rootMessage}, to the first line: gRPC adds the HTTP answer's headers and
   * body.
   */
  private static String firstLine(Throwable error) {
    String described = EtcdErrors.rootMessage(error);
    int end = described.indexOf('\n');
    return end < 0 ? described : described.substring(0, end);
  }
}

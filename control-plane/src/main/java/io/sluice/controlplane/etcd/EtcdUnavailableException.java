package io.sluice.controlplane.etcd;

import java.util.Objects;

/**
 * etcd did not answer in time, or the call failed on the way (connection refused or dropped, no
 * leader...), or etcd answered that the revision a read was at is compacted away ({@link
 * #compacted()}, no outage): trying again shortly may succeed, so the API answers 503 with a retry
 * hint.
 *
 * <p>What it means for a change depends on when it happened. Every write is one transaction, so a
 * failed call never leaves half a change behind. A failure while reading, before the transaction
 * was sent, changed nothing. But a transaction that failed or missed its deadline while in flight
 * may still have been applied: etcd can apply it and the answer be lost with the connection, and
 * cancelling the wait does not stop etcd. {@link #outcomeUnknown()} says which.
 */
public final class EtcdUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Why the call failed: which decides what a 503 says of it and whether it counts as an outage of
   * etcd ({@link EtcdOutageLog}). Each factory below makes one.
   */
  enum Reason {
    /** etcd did not answer in time, or the call failed on its way to or from etcd. */
    ETCD,
    /** The embedded etcd does not run: the call was not sent ({@link #embeddedTrouble()}). */
    EMBEDDED_DOWN,
    /** The etcd client is closed, or the stop cancelled the call ({@link #clientClosed()}). */
    CLIENT_CLOSED,
    /** The stop interrupted the thread waiting for the call ({@link #interrupted()}). */
    INTERRUPTED,
    /**
     * etcd answered that the revision the call read at is compacted away ({@link #compacted()}): no
     * outage, a read to start over at the latest revision.
     */
    COMPACTED
  }

  private final Reason reason;

  private final boolean outcomeUnknown;

  private final long sentNanos;

  private final String hint;

  private final String proxysAnswer;

  private final String embeddedTrouble;

  private final int compactions;

  /** Only through the factories below, which say which of the optional texts goes with a reason. */
  private EtcdUnavailableException(
      Reason reason,
      String message,
      Throwable cause,
      boolean outcomeUnknown,
      long sentNanos,
      String hint,
      String proxysAnswer,
      String embeddedTrouble) {
    this(reason, message, cause, outcomeUnknown, sentNanos, hint, proxysAnswer, embeddedTrouble, 0);
  }

  private EtcdUnavailableException(
      Reason reason,
      String message,
      Throwable cause,
      boolean outcomeUnknown,
      long sentNanos,
      String hint,
      String proxysAnswer,
      String embeddedTrouble,
      int compactions) {
    super(message, cause);
    this.reason = reason;
    this.outcomeUnknown = outcomeUnknown;
    this.sentNanos = sentNanos;
    this.hint = hint;
    this.proxysAnswer = proxysAnswer;
    this.embeddedTrouble = embeddedTrouble;
    this.compactions = compactions;
  }

  /**
   * A read that etcd's compaction overtook {@code times} times in a row, each time before it was
   * done (a paged read, {@link RangeReader}, before its last page; a history page before it read
   * the journal at the revision of its range), {@code last} the failure of the last attempt: as
   * {@code last} in all but its message, which says so, and {@link #compactions()}. etcd answered;
   * a 503 said only "unavailable or did not answer in time", which sent an operator looking for an
   * outage.
   */
  public static EtcdUnavailableException compactedEachTime(
      EtcdUnavailableException last, int times) {
    return new EtcdUnavailableException(
        last.reason,
        last.getMessage() + ", " + times + " times in a row",
        last.getCause(),
        last.outcomeUnknown,
        last.sentNanos,
        last.hint,
        last.proxysAnswer,
        last.embeddedTrouble,
        times);
  }

  /**
   * etcd answered the read {@code what} that the revision it asked for is compacted away ({@code
   * OUT_OF_RANGE}, "required revision has been compacted"): etcd is there and answering, so this is
   * no outage ({@link #compacted()}); the read starts over at the latest revision, or says so.
   *
   * @param sentNanos when the call was sent ({@link #sentNanos()})
   */
  static EtcdUnavailableException compacted(String what, Throwable cause, long sentNanos) {
    return new EtcdUnavailableException(
        Reason.COMPACTED,
        "etcd compacted away the revision the read was at (" + what + ")",
        cause,
        false,
        sentNanos,
        null,
        null,
        null);
  }

  /**
   * Whether etcd answered that the revision the call read at is compacted away ({@link
   * #compacted(String, Throwable, long)}): etcd answered, so no outage of etcd to count ({@link
   * EtcdOutageLog}) and nothing unhealthy to report; reading again at the latest revision works.
   */
  public boolean compacted() {
    return reason == Reason.COMPACTED;
  }

  /**
   * How many times in a row etcd's compaction overtook the paged read that failed ({@link
   * #compactedEachTime}); 0 for any other failure.
   */
  public int compactions() {
    return compactions;
  }

  /**
   * What a 503 says, in place of "etcd is unavailable", of a read that etcd's compaction overtook
   * {@code compactions} times in a row ({@link #compactions()}, not 0): etcd answered each time.
   * With "nothing was changed" when the request was a change ({@code writes}).
   */
  public static String compactedAway(int compactions, boolean writes) {
    return "etcd answered, but compacted away the revision the read was at, "
        + (compactions == 1
            ? "before the read's last page"
            : compactions + " times in a row, each time before the read's last page")
        + (writes ? "; nothing was changed" : "")
        + ". Try again shortly.";
  }

  /**
   * etcd did not answer in time, or the call failed on its way, after etcd had answered the control
   * plane (no {@link #hint()}).
   *
   * @param message the whole message, the proxy's answer included when there is one
   * @param outcomeUnknown whether the call was a change already on its way ({@link
   *     #outcomeUnknown()})
   * @param proxysAnswer what the HTTP proxy in the way added ({@link #proxysAnswer()}), or {@code
   *     null}
   * @param sentNanos when the call was sent ({@link #sentNanos()})
   */
  static EtcdUnavailableException etcdFailed(
      String message,
      Throwable cause,
      boolean outcomeUnknown,
      String proxysAnswer,
      long sentNanos) {
    return new EtcdUnavailableException(
        Reason.ETCD, message, cause, outcomeUnknown, sentNanos, null, proxysAnswer, null);
  }

  /**
   * As {@link #etcdFailed}, while etcd has never answered the control plane, with what to fix
   * ({@link #hint()}, not {@code null}; the message ends with it).
   */
  static EtcdUnavailableException etcdNeverAnswered(
      String message, Throwable cause, boolean outcomeUnknown, String hint, long sentNanos) {
    return new EtcdUnavailableException(
        Reason.ETCD,
        message,
        cause,
        outcomeUnknown,
        sentNanos,
        Objects.requireNonNull(hint, "hint"),
        null,
        null);
  }

  /**
   * When the call that failed was sent, on {@link System#nanoTime()}'s clock (when it was refused,
   * for one never sent): a call on its way when etcd answered again that fails after tells of the
   * outage that ended, not of a new one ({@link EtcdOutageLog}).
   */
  public long sentNanos() {
    return sentNanos;
  }

  /**
   * The call {@code what} was not sent: the embedded etcd does not run, for {@code trouble} ({@link
   * EmbeddedEtcd#trouble()}), when the gateway's clock said {@code refusedNanos} ({@link
   * #sentNanos()}).
   */
  static EtcdUnavailableException embeddedDown(String what, String trouble, long refusedNanos) {
    // what answers on its client port meanwhile is not this control plane's etcd
    return new EtcdUnavailableException(
        Reason.EMBEDDED_DOWN,
        "the embedded etcd is not running; the call was not sent (" + what + ")",
        null,
        false,
        refusedNanos, // never sent
        null,
        null,
        trouble);
  }

  /**
   * The call {@code what} was not sent, or failed on its way, because the etcd client is closed:
   * the control plane is stopping ({@link #clientClosed()}).
   *
   * @param cause jetcd's failure of a call on its way when the client closed; {@code null} for one
   *     refused before it was sent
   * @param outcomeUnknown whether the call was a change already on its way ({@link
   *     #outcomeUnknown()})
   * @param sentNanos when it was sent or refused ({@link #sentNanos()})
   */
  static EtcdUnavailableException clientClosed(
      String what, Throwable cause, boolean outcomeUnknown, long sentNanos) {
    return new EtcdUnavailableException(
        Reason.CLIENT_CLOSED,
        "the etcd client is closed: the control plane is stopping"
            + (cause == null ? "; the call was not sent (" : " (")
            + what
            + ")",
        cause,
        outcomeUnknown,
        sentNanos,
        null,
        null,
        null);
  }

  /**
   * The thread waiting for the call {@code what} was interrupted: the control plane stops under a
   * request still running past the graceful shutdown's time, and the web server's stop interrupts
   * it ({@link #interrupted()}). Its thrower keeps the thread's interrupt flag set.
   *
   * @param outcomeUnknown whether the call was a change already on its way ({@link
   *     #outcomeUnknown()})
   * @param sentNanos when it was sent ({@link #sentNanos()})
   */
  public static EtcdUnavailableException interrupted(
      String what, InterruptedException cause, boolean outcomeUnknown, long sentNanos) {
    return new EtcdUnavailableException(
        Reason.INTERRUPTED,
        "interrupted while waiting for etcd, as the control plane stops (" + what + ")",
        cause,
        outcomeUnknown,
        sentNanos,
        null,
        null,
        null);
  }

  /**
   * Whether the call failed because the control plane's etcd client is closed (it is stopping; a
   * request or a health check still running as it stops), or because the stop cancelled it a little
   * before the close ({@link OutstandingCalls#stop()}), not for anything etcd did: no outage of
   * etcd to count ({@link EtcdOutageLog}), and nothing to fix. The message says it.
   */
  public boolean clientClosed() {
    return reason == Reason.CLIENT_CLOSED;
  }

  /**
   * Whether the thread that waited for the call was interrupted: the control plane is stopping, and
   * the web server's stop interrupts a request still running when the graceful shutdown's time is
   * up ({@code spring.lifecycle.timeout-per-shutdown-phase}), though the etcd client is still open
   * and etcd may be answering well. As with {@link #clientClosed()}, no outage of etcd to count
   * ({@link EtcdOutageLog}) and nothing to fix; the message says it in its own words. The
   * interrupted thread keeps its interrupt flag.
   */
  public boolean interrupted() {
    return reason == Reason.INTERRUPTED;
  }

  /**
   * Why the embedded etcd is not running, when the call was refused for that before it was sent
   * (its client port taken by another process, which may be another etcd; a restart in progress;
   * restarts given up); else {@code null}. The message does not say it: health shows it apart.
   */
  public String embeddedTrouble() {
    return embeddedTrouble;
  }

  /**
   * The sentence a 503 adds for {@code embeddedTrouble} ({@link #embeddedTrouble()}), with a
   * leading space; empty when it is {@code null}.
   */
  public static String embeddedNotRunning(String embeddedTrouble) {
    return embeddedTrouble == null
        ? ""
        : " The control plane's embedded etcd is not running ("
            + embeddedTrouble
            + "), so nothing is read from or written to what answers on its client port"
            + " meanwhile.";
  }

  /**
   * What to fix, when etcd has never answered the control plane and the failure shows the
   * endpoints' scheme does not match what etcd speaks, or that nothing listens there (waiting will
   * not help); else {@code null}.
   */
  public String hint() {
    return hint;
  }

  /**
   * The sentence a 503 adds for {@code hint} ({@link #hint()}, {@link PrefixWatch#hint()}), with a
   * leading space: {@code " etcd has not answered since the control plane started: <hint>."}; empty
   * when {@code hint} is {@code null}. One wording for every answer that says it.
   */
  public static String neverAnswered(String hint) {
    return hint == null
        ? ""
        : " etcd has not answered since the control plane started: " + hint + ".";
  }

  /**
   * What the HTTP proxy the JVM names for etcd added to this failure, once etcd had answered (so
   * {@link #hint()} is {@code null}): its 5xx (etcd out of its reach), its 407, its refused
   * connection or its failed lookup, as {@code etcd at … answered with HTTP 502 from the HTTP proxy
   * it is reached through, …}; else {@code null}. The message says it too; this is for the 503's
   * detail, which does not quote the message.
   */
  public String proxysAnswer() {
    return proxysAnswer;
  }

  /**
   * The sentence a 503 adds for {@code proxysAnswer} ({@link #proxysAnswer()}), with a leading
   * space: {@code " Through its HTTP proxy: <answer>."}; empty when it is {@code null}.
   */
  public static String throughItsProxy(String proxysAnswer) {
    return proxysAnswer == null ? "" : " Through its HTTP proxy: " + proxysAnswer + ".";
  }

  /**
   * Whether etcd may have carried out a change although no answer came: a transaction that was in
   * flight ({@link EtcdGateway#commit}). Always {@code false} for reads.
   */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}

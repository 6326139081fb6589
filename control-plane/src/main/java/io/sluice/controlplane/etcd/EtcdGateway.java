package io.sluice.controlplane.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.rules.wire.EtcdKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one door to etcd: the key layout, and every call with a deadline.
 *
 * <p>A call that misses its deadline or fails on the way becomes an {@link
 * EtcdUnavailableException} (503, try again); one that etcd refused for good (too large, invalid,
 * out of space) becomes an {@link EtcdRefusedException} (no retry hint). Reads wait with {@link
 * #await}, transactions that change something with {@link #commit}: only the latter can leave the
 * outcome unknown. Ranges are read in pages at one revision (see {@link RangeReader}), so no answer
 * outgrows the client's inbound message limit however many keys a prefix holds. etcd answering that
 * the revision a read asked for is compacted away is an {@link
 * EtcdUnavailableException#compacted()}: etcd answered, so it counts as an answer (it ends an
 * outage) and forces no reconnect.
 *
 * <p>After a call failed on the way, every call until one succeeds first has the client try etcd
 * again at once ({@link EtcdChannels#reconnectNow}): otherwise, after a long outage, gRPC's
 * reconnect backoff (up to 2 minutes) would keep every call waiting or failing long after etcd is
 * back. The check is one volatile read while etcd answers.
 *
 * <p>Health reads etcd with a deadline of its own, shorter than every other call's ({@link
 * #checkHealth}, {@code sluice.etcd.health-timeout}), so an outage shows within seconds. Once
 * health finds etcd unreachable ({@link #markUnreachable}, see {@link EtcdHealthCheck} for when),
 * every read waits only that shorter deadline too, until etcd answers a call again: each read still
 * goes to etcd, so the first one etcd answers ends it, with no health check needed, but none holds
 * its caller for the full timeout of an outage already known. A call that changes something ({@link
 * #commit}) keeps the full timeout always: cutting it short would only make more outcomes unknown.
 *
 * <p>With the embedded etcd, no call is sent while its supervisor says it does not run ({@link
 * EmbeddedEtcd#trouble()}): the client's endpoint is its client port, which another process may
 * hold meanwhile, and another etcd there would answer reads and take writes as if it were ours.
 *
 * <p>Once the client's owner says it is about to close the client ({@link #clientClosing}), no call
 * is sent, and a call that fails on its way after that is not taken for etcd's failure: both are an
 * {@link EtcdUnavailableException#clientClosed()}, which says so in plain words. jetcd fails a call
 * on a closed client with its executor's {@code rejected from … Terminated}, which read as an etcd
 * outage (and was counted as one) when a request or a health check ran as the control plane
 * stopped. The same holds from the moment the stop cancels the calls still waiting ({@link
 * Builder#stopping}, {@link OutstandingCalls#stop()}), a little before the close: such a call
 * failed as {@code etcd call failed (…): CANCELLED: the control plane is stopping}, counted as an
 * outage too.
 */
public final class EtcdGateway {

  /**
   * The inbound gRPC message limit the etcd client is built with (gRPC's default is 4 MiB): a page
   * of the largest values etcd stores, with room to spare.
   */
  public static final int MAX_INBOUND_MESSAGE_BYTES = RangeReader.MAX_INBOUND_BYTES;

  private final Client client;
  private final EtcdKeys keys;
  private final Duration timeout;
  private final Duration healthTimeout;
  private final long maxRequestBytes;
  private final RangeReader ranges;
  private final Answers answers;
  private final FirstContact firstContact;
  private final LongSupplier nanoTime;

  /** The embedded etcd's supervisor: whether it runs, which run; {@link EmbeddedEtcdRuns#NONE}. */
  private final EmbeddedEtcdRuns embedded;

  /** A call failed on the way and none succeeded since: reconnect before the next one. */
  private volatile boolean reconnect;

  /**
   * Health found etcd unreachable ({@link #markUnreachable}) and no call was answered since: reads
   * wait {@link #healthTimeout}.
   */
  private volatile boolean unreachable;

  /** The client is closed, or about to be ({@link #clientClosing}): no call is sent any more. */
  private volatile boolean clientClosed;

  /** The control plane is stopping, its waiting calls cancelled ({@link Builder#stopping}). */
  private final BooleanSupplier stopping;

  private final String notPermittedAction;

  /**
   * Keys of a range as of one revision.
   *
   * @param kvs the keys with their values, in the order asked for
   * @param revision the store revision they were read at
   * @param more whether the range holds keys beyond those read (a read that stopped at its most
   *     keys, or bytes)
   */
  public record Range(List<KeyValue> kvs, long revision, boolean more) {

    /** The bytes of the keys and values read, as a read bounded in bytes counts them. */
    public long bytes() {
      long bytes = 0;
      for (KeyValue kv : kvs) {
        bytes += bytesOf(kv);
      }
      return bytes;
    }

    /** One entry's bytes: its key's and its value's. */
    static long bytesOf(KeyValue kv) {
      return (long) kv.getKey().size() + kv.getValue().size();
    }
  }

  /**
   * What the gateway tells of etcd's answers, after each call: {@link #served} when etcd carried it
   * out, or answered that the revision it read at is compacted away ({@link
   * EtcdUnavailableException#compacted()}: etcd is there and reads work), {@link #refused} when it
   * refused it ({@link EtcdRefusedException}). The control plane ends its start's findings and the
   * API's stretch of 503s on them ({@code EtcdConfiguration}).
   */
  interface Answers {

    /** Tells nothing to anyone: for a gateway whose answers no one follows. */
    Answers IGNORED =
        new Answers() {
          @Override
          public void served() {}

          @Override
          public void refused() {}
        };

    /** etcd answered a call (the start's findings, say, are then forgotten: etcd was read). */
    void served();

    /**
     * etcd refused a call (the control plane's credentials or permissions, a request too large):
     * etcd is there and answering, which ends an outage as much as a served call does, though
     * nothing was read (the start's findings, which may say the refusal, are not forgotten for it).
     */
    void refused();
  }

  /**
   * Starts a gateway over {@code client} (owned and closed by whoever made it), whose calls wait at
   * most {@code timeout} (not negative). Build the client with an inbound message limit of at least
   * {@link #MAX_INBOUND_MESSAGE_BYTES}, which the pages are sized for.
   */
  static Builder builder(Client client, EtcdKeys keys, Duration timeout) {
    return new Builder(client, keys, timeout);
  }

  /**
   * Configures an {@link EtcdGateway}: the deadline and key layout always; the rest when the
   * control plane needs it (its defaults suit a test that is about none of it).
   */
  static final class Builder {

    private final Client client;
    private final EtcdKeys keys;
    private final Duration timeout;
    private Duration healthTimeout;
    private long maxRequestBytes = EtcdSettings.DEFAULT_MAX_REQUEST_BYTES;
    private Answers answers = Answers.IGNORED;
    private List<URI> endpoints = List.of();
    private EmbeddedEtcdRuns embedded = EmbeddedEtcdRuns.NONE;
    private LongSupplier nanoTime = System::nanoTime;
    private BooleanSupplier stopping = () -> false;
    private EtcdCredentials credentials = EtcdCredentials.PASSWORD;

    private Builder(Client client, EtcdKeys keys, Duration timeout) {
      this.client = client;
      this.keys = Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(timeout, "timeout");
      // zero is a deadline already over (a test's warm-up that gives up at once); settings say
      // positive (EtcdSettings)
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("the etcd timeout must not be negative, was " + timeout);
      }
      this.timeout = timeout;
      this.healthTimeout = timeout;
    }

    /**
     * The deadline of health's read ({@link EtcdGateway#checkHealth}) and of every read while
     * health finds etcd unreachable ({@code sluice.etcd.health-timeout}, {@link
     * EtcdSettings#healthDeadline()}): positive, at most the timeout. The timeout unless set.
     */
    Builder healthTimeout(Duration healthTimeout) {
      Objects.requireNonNull(healthTimeout, "healthTimeout");
      if (healthTimeout.isNegative()
          || healthTimeout.isZero()
          || healthTimeout.compareTo(timeout) > 0) {
        throw new IllegalArgumentException(
            "the health deadline must be positive and at most the timeout ("
                + timeout
                + "), was "
                + healthTimeout);
      }
      this.healthTimeout = healthTimeout;
      return this;
    }

    /**
     * The largest request etcd accepts ({@code sluice.etcd.max-request-bytes}); etcd's default,
     * {@link EtcdSettings#DEFAULT_MAX_REQUEST_BYTES}, unless set.
     */
    Builder maxRequestBytes(long maxRequestBytes) {
      if (maxRequestBytes <= 0) {
        throw new IllegalArgumentException(
            "the largest etcd request must be positive, was " + maxRequestBytes);
      }
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /** Told after every call etcd served or refused; {@link Answers#IGNORED} unless set. */
    Builder answers(Answers answers) {
      this.answers = Objects.requireNonNull(answers, "answers");
      return this;
    }

    /**
     * The endpoints the client dials: until etcd first answers, a failed call says what to fix when
     * their scheme does not match what etcd speaks or nothing listens there ({@link
     * EtcdUnavailableException#hint()}). None unless set: no hint.
     */
    Builder endpoints(List<URI> endpoints) {
      this.endpoints = List.copyOf(endpoints);
      return this;
    }

    /**
     * For a client of the embedded etcd, its supervisor ({@link EmbeddedEtcd}): while its {@link
     * EmbeddedEtcdRuns#trouble()} says why the embedded etcd does not run, every call is refused
     * before it is sent ({@link EtcdUnavailableException#embeddedTrouble()}). Whatever answers on
     * its client port then is not this control plane's etcd (another etcd may have taken the port,
     * and would be given the rules), or nothing. The watches also learn which run they read ({@link
     * EtcdGateway#embeddedRuns()}) and when it runs again ({@link
     * EtcdGateway#whenEmbeddedRunningAgain}). {@link EmbeddedEtcdRuns#NONE} (never refused) unless
     * set.
     */
    Builder embedded(EmbeddedEtcdRuns embedded) {
      this.embedded = Objects.requireNonNull(embedded, "embedded");
      return this;
    }

    /**
     * As {@link #embedded(EmbeddedEtcdRuns)} with only the trouble ({@link
     * EmbeddedEtcd#trouble()}): one run that never runs again.
     */
    Builder embeddedTrouble(Supplier<String> embeddedTrouble) {
      return embedded(EmbeddedEtcdRuns.troubleOnly(embeddedTrouble));
    }

    /**
     * The clock calls are stamped with when sent ({@link EtcdUnavailableException#sentNanos()},
     * {@link EtcdGateway#nanoTime()}): {@link System#nanoTime()}, as {@link EtcdOutageLog}'s,
     * unless set; a test's own, with the outage log's.
     */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Whether the control plane is stopping, and the client's waiting calls are cancelled for it
     * ({@link OutstandingCalls#stopping()}): while it says so, a call is refused as the client's
     * close ({@link EtcdUnavailableException#clientClosed()}), and one cancelled on its way is that
     * too, not etcd's failure. Never, unless set.
     */
    Builder stopping(BooleanSupplier stopping) {
      this.stopping = Objects.requireNonNull(stopping, "stopping");
      return this;
    }

    /**
     * The credentials the client shows etcd, which a refusal's action says to check; default a user
     * and password.
     */
    Builder credentials(EtcdCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    EtcdGateway build() {
      return new EtcdGateway(this);
    }
  }

  private EtcdGateway(Builder builder) {
    this.client = builder.client;
    this.keys = builder.keys;
    this.timeout = builder.timeout;
    this.healthTimeout = builder.healthTimeout;
    this.maxRequestBytes = builder.maxRequestBytes;
    this.answers = builder.answers;
    this.embedded = builder.embedded;
    this.nanoTime = builder.nanoTime;
    this.stopping = builder.stopping;
    this.notPermittedAction = EtcdRefusedException.notPermittedAction(builder.credentials);
    this.firstContact =
        builder.endpoints.isEmpty()
            ? FirstContact.NONE
            : new FirstContact(client, builder.endpoints, timeout);
    this.ranges =
        new RangeReader(
            (from, option, what) -> await(client(what).getKVClient().get(from, option), what));
  }

  /**
   * What an operator does when etcd refuses this control plane's credentials or permissions (see
   * {@link EtcdRefusedException#notPermittedAction}).
   */
  public String notPermittedAction() {
    return notPermittedAction;
  }

  /** The key layout under the configured namespace. */
  public EtcdKeys keys() {
    return keys;
  }

  /** The deadline of every call. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The deadline of health's read, and of every read while health finds etcd unreachable ({@code
   * sluice.etcd.health-timeout}).
   */
  public Duration healthTimeout() {
    return healthTimeout;
  }

  /**
   * Now, on the clock calls are stamped with when sent ({@link
   * EtcdUnavailableException#sentNanos()}): for a 503 that waited for etcd through no call of its
   * own (a mirror's first read), to say when its wait began.
   */
  public long nanoTime() {
    return nanoTime.getAsLong();
  }

  /**
   * The largest request etcd accepts ({@code sluice.etcd.max-request-bytes}): a write must measure
   * itself against it before it is sent.
   */
  public long maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * The key-value client; pass the futures to {@link #await} (reads) or {@link #commit} (writes).
   */
  public KV kv() {
    return client("a call").getKVClient();
  }

  /** The watch client. */
  public Watch watch() {
    return client("a watch").getWatchClient();
  }

  /** A new transaction. */
  public Txn txn() {
    return client("a transaction").getKVClient().txn();
  }

  /** Reads one key (or a range, with options) within the deadline. */
  public GetResponse get(String key, GetOption option) {
    return await(client("read " + key).getKVClient().get(bytes(key), option), "read " + key);
  }

  /**
   * Health's read: as {@link #get}, within {@link #healthTimeout()} instead of the timeout, whether
   * or not etcd was found unreachable.
   */
  GetResponse checkHealth(String key, GetOption option) {
    String what = "read " + key;
    return complete(client(what).getKVClient().get(bytes(key), option), what, Call.HEALTH);
  }

  /**
   * Health found etcd unreachable: until a call is answered, reads wait {@link #healthTimeout()}
   * rather than the full timeout, since a read sent now would most likely wait all of it in vain.
   * Writes keep the full timeout.
   */
  void markUnreachable() {
    unreachable = true;
  }

  /**
   * Whether health found etcd unreachable and no call was answered since ({@link
   * #markUnreachable}).
   */
  boolean foundUnreachable() {
    return unreachable;
  }

  /**
   * Has the client try etcd again at once if it is waiting out gRPC's reconnect backoff; a
   * connected client is left as it is. For code that retries on its own schedule (a watch that
   * broke): call it right before the retry. Calls through this gateway do it by themselves after a
   * failed call.
   */
  public void reconnectNow() {
    EtcdChannels.reconnectNow(client);
  }

  /**
   * Why the embedded etcd does not run ({@link EmbeddedEtcd#trouble()}), {@code null} while it does
   * or when the client is not the embedded etcd's. For a watch, whose events jetcd delivers from
   * whatever answers on the client port, without a call through this gateway that could refuse
   * them: one volatile read.
   */
  String embeddedTrouble() {
    return embedded.trouble();
  }

  /**
   * Which run of the embedded etcd this is ({@link EmbeddedEtcdRuns#runs()}), always the same when
   * the client is not the embedded etcd's: a watch started in one run applies no event once this
   * has changed, since jetcd may have resumed its stream on another etcd meanwhile.
   */
  long embeddedRuns() {
    return embedded.runs();
  }

  /**
   * Has {@code listener} run each time the embedded etcd runs again ({@link
   * EmbeddedEtcdRuns#whenRunningAgain}); never when the client is not the embedded etcd's.
   */
  void whenEmbeddedRunningAgain(Runnable listener) {
    embedded.whenRunningAgain(listener);
  }

  /**
   * The client's owner is about to close it: from now on no call is sent, and one on its way that
   * fails is the client's close, not etcd's failure ({@link
   * EtcdUnavailableException#clientClosed()}). Call it before the client's {@code close()}: {@code
   * EtcdConfiguration} makes it the gateway's destroy method, which the context runs before it
   * closes the client the gateway is built on.
   */
  void clientClosing() {
    clientClosed = true;
  }

  /**
   * Whether the client is closed or about to be ({@link #clientClosing}), or the control plane
   * stopping cancels its calls ({@link Builder#stopping}): a call is then the client's close.
   */
  private boolean closing() {
    return clientClosed || stopping.getAsBoolean();
  }

  /**
   * The client, first reconnecting if the last call failed on the way.
   *
   * @throws EtcdUnavailableException without sending anything while the embedded etcd does not run,
   *     or once the client is closed or the stop cancels its calls
   */
  private Client client(String what) {
    if (closing()) {
      throw EtcdUnavailableException.clientClosed(what, null, false, nanoTime.getAsLong());
    }
    String trouble = embedded.trouble();
    if (trouble != null) {
      throw EtcdUnavailableException.embeddedDown(what, trouble, nanoTime.getAsLong());
    }
    if (reconnect) {
      EtcdChannels.reconnectNow(client);
    }
    return client;
  }

  /**
   * Reads every key under a prefix, in key order, as one snapshot; in pages, each within the
   * deadline.
   */
  public Range getPrefix(String prefix) {
    ByteSequence from = bytes(prefix);
    return ranges.read(from, OptionsUtil.prefixEndOf(from), false, Long.MAX_VALUE);
  }

  /**
   * Reads every key under a prefix with its revisions but no value, as one snapshot: which keys
   * exist and when they last changed, for a fraction of what their values would cost.
   */
  public Range getPrefixKeys(String prefix) {
    ByteSequence from = bytes(prefix);
    return ranges.read(from, OptionsUtil.prefixEndOf(from), false, Long.MAX_VALUE, true);
  }

  /**
   * Reads the highest keys under a prefix, highest first, as one snapshot; in pages, each within
   * the deadline.
   *
   * @param below only keys below this one, or {@code null} for all under the prefix
   * @param maxKeys at most this many keys
   * @param maxBytes fewer keys once those read, keys and values, add up to this many bytes or more
   *     ({@link Range#more()} then says whether others follow); the first page is read whatever its
   *     size (8 keys), later ones ask for no more keys than the bytes left fit at the average entry
   *     read: the read ends past this by at most one page (8 entries, or 4 MiB at the largest entry
   *     read)
   */
  public Range getPrefixDescending(String prefix, String below, long maxKeys, long maxBytes) {
    ByteSequence from = bytes(prefix);
    ByteSequence to = below == null ? OptionsUtil.prefixEndOf(from) : bytes(below);
    return ranges.readUpTo(from, to, true, maxKeys, maxBytes);
  }

  /**
   * Waits for a call that changes nothing (a read, or a transaction of reads) within the deadline.
   * A failure is never an unknown outcome.
   */
  public <T> T await(CompletableFuture<T> call, String what) {
    return complete(call, what, Call.READ);
  }

  /**
   * Waits for a read a write is made of (its precondition's read, a rollback's read of the entry it
   * restores) within the full deadline, as the write's transaction waits, also while health finds
   * etcd unreachable: cut to the health deadline, an etcd steadily slower than that (fsync stalls,
   * a defragmentation) answered every write 503 though it would have been stored. A failure is
   * never an unknown outcome.
   */
  public <T> T awaitForWrite(CompletableFuture<T> call, String what) {
    return complete(call, what, Call.READ_FOR_WRITE);
  }

  /**
   * Waits for a call that changes something (a write transaction) within the deadline. If it fails
   * or misses the deadline once sent, etcd may still have applied it: the exception says the
   * outcome is unknown. A refusal ({@link EtcdRefusedException}) changed nothing.
   */
  public <T> T commit(CompletableFuture<T> call, String what) {
    return complete(call, what, Call.WRITE);
  }

  /** What a call is, which decides how long it is waited for and what its failure means. */
  private enum Call {
    /** A read: within the health timeout while etcd is found unreachable, else the timeout. */
    READ,
    /** A read a write is made of: the timeout, as the write; its failure changed nothing. */
    READ_FOR_WRITE,
    /** A write: the timeout; once sent, its failure is an unknown outcome. */
    WRITE,
    /** Health's read: always within the health timeout. */
    HEALTH
  }

  private <T> T complete(CompletableFuture<T> call, String what, Call kind) {
    // when the call was sent, near enough: its caller made it just before
    long sent = nanoTime.getAsLong();
    boolean changes = kind == Call.WRITE;
    boolean cutShort = kind == Call.READ && unreachable;
    Duration deadline = kind == Call.HEALTH || cutShort ? healthTimeout : timeout;
    try {
      T result = call.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (reconnect) {
        reconnect = false;
      }
      etcdAnswered();
      firstContact.answered();
      answers.served();
      return result;
    } catch (TimeoutException e) {
      // ends only jetcd's future: jetcd passes no cancel on to the gRPC call, which ends at its own
      // deadline (OutstandingCalls: twice the timeout from its start for a read, up to a second
      // past the timeout for a write), even if etcd never answers
      call.cancel(true);
      if (closing()) {
        throw EtcdUnavailableException.clientClosed(what, e, changes, sent);
      }
      // with waitForReady, jetcd's default, a call waits while gRPC backs off, then times out
      reconnect = true;
      throw unavailable(
          "etcd did not answer within "
              + deadline.toMillis()
              + " ms ("
              + what
              + (cutShort
                  ? "; health had found etcd unreachable, so reads wait sluice.etcd.health-timeout"
                      + " until etcd answers again"
                  : "")
              + ")",
          null,
          e,
          changes,
          sent);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      EtcdRefusedException refused = EtcdRefusedException.of(cause, what);
      if (refused != null) {
        etcdAnswered();
        firstContact.answered();
        // etcd is there: an outage is over, though nothing was read
        answers.refused();
        throw refused;
      }
      if (RangeReader.compactedAway(cause)) {
        // etcd answered: the revision asked for is gone. No outage (it ends one, as a served call
        // does), no reconnect, no hint of a wrong endpoint or of a proxy's failure
        etcdAnswered();
        firstContact.answered();
        answers.served();
        throw EtcdUnavailableException.compacted(what, cause, sent);
      }
      if (closing()) {
        // closed under the call (jetcd's "rejected from … Terminated"), or cancelled by the stop
        // (CANCELLED: the control plane is stopping): a change on its way may have been applied
        // all the same
        throw EtcdUnavailableException.clientClosed(what, cause, changes, sent);
      }
      reconnect = true;
      throw unavailable("etcd call failed (" + what + ")", why(cause), cause, changes, sent);
    } catch (InterruptedException e) {
      // abandoned like a call that timed out: nobody waits for its answer any more (the gRPC call
      // still runs to its own deadline, as a timed-out one does)
      call.cancel(true);
      // the caller (Tomcat's stop, an executor's shutdown) still sees why it ended
      Thread.currentThread().interrupt();
      // the control plane stopping under the wait, not etcd's failure: no reconnect either
      throw EtcdUnavailableException.interrupted(what, e, changes, sent);
    }
  }

  /** etcd answered a call: reads wait the full timeout again ({@link #markUnreachable}). */
  private void etcdAnswered() {
    if (unreachable) {
      unreachable = false;
    }
  }

  /**
   * Why a call failed, in one line: gRPC words an HTTP answer from a proxy over several lines (its
   * headers and body). A proxy's 502, 503 or 504 is etcd out of its reach, an outage; any other
   * HTTP answer is something that is not etcd.
   */
  static String why(Throwable cause) {
    String behindProxy = EtcdRefusal.unreachableBehindProxy(cause, List.of());
    if (behindProxy != null) {
      return behindProxy;
    }
    String notEtcd = EtcdRefusal.notEtcd(cause, List.of());
    return notEtcd != null ? notEtcd : cause.getMessage();
  }

  /**
   * Whether {@link #why} words {@code cause} as what the proxy answered (its 5xx, its 407, its
   * failed lookup): the message then says it, and says it once.
   */
  private static boolean saysTheProxysAnswer(Throwable cause) {
    return EtcdRefusal.tunnelRefused(cause)
        || EtcdRefusal.proxyNotLookedUp(cause) != null
        || EtcdRefusal.proxyCouldNotReachEtcd(cause);
  }

  /**
   * Whether etcd has answered a call through this gateway since it was made: from then on, a hint
   * of a failure before ({@link EtcdUnavailableException#hint()}) no longer holds.
   */
  boolean answeredOnce() {
    return firstContact.answeredOnce();
  }

  /**
   * What to fix, while etcd has never answered, as a failed call's {@link
   * EtcdUnavailableException#hint()} would say it; {@code null} when there is nothing to say.
   */
  String neverAnsweredHint() {
    return firstContact.hint(null);
  }

  /**
   * What to fix in the way through the HTTP proxy the JVM names for some of etcd's endpoints, while
   * etcd has never answered; {@code null} when the connection's failure is no proxy's ({@link
   * FirstContact#proxyHint()}).
   */
  String neverAnsweredProxyHint() {
    return firstContact.proxyHint();
  }

  /**
   * The failure to throw: with what to fix when etcd never answered and the endpoints' scheme is
   * wrong or nothing listens there.
   *
   * @param what what failed ({@code etcd call failed (read …)})
   * @param why why, in one line ({@link #why}), or {@code null} when {@code what} says it
   */
  private EtcdUnavailableException unavailable(
      String what, String why, Throwable cause, boolean changes, long sent) {
    String hint = firstContact.hint(cause);
    if (hint == null) {
      String message = why == null ? what : what + ": " + why;
      // etcd answered before: no hint of a wrong setting holds, but what a proxy in the way says of
      // the outage does (its 502: etcd out of its reach), which "did not answer within" hid
      String proxys = firstContact.proxysPart(cause);
      return EtcdUnavailableException.etcdFailed(
          proxys == null || saysTheProxysAnswer(cause) ? message : message + ": " + proxys,
          cause,
          changes,
          proxys,
          sent);
    }
    // the hint says the proxy's answer (its 5xx, its 407, its failed lookup) naming the endpoints
    // behind it: why would say it a second time
    String message = why == null || hintSaysTheProxysAnswer(hint, cause) ? what : what + ": " + why;
    return EtcdUnavailableException.etcdNeverAnswered(
        message + ": " + hint, cause, changes, hint, sent);
  }

  /**
   * Whether {@code hint} says what the proxy answered in {@code cause} ({@link
   * #saysTheProxysAnswer}), as {@link #why} words it but naming the endpoints ({@code etcd at …
   * answered with HTTP 502 …}): a hint of endpoints dialled directly beside does not.
   */
  private static boolean hintSaysTheProxysAnswer(String hint, Throwable cause) {
    if (!saysTheProxysAnswer(cause)) {
      return false;
    }
    String lookup = EtcdRefusal.proxyNotLookedUp(cause);
    if (lookup != null) {
      return hint.contains(lookup);
    }
    String why = why(cause); // "etcd answered with …", where the hint names the endpoints
    return why.startsWith("etcd ") && hint.contains(why.substring("etcd".length()));
  }

  /** UTF-8 bytes of a key or value. */
  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** A key or value as UTF-8 text. */
  public static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}

package io.sluice.controlplane.etcd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Whether the names of the HTTP proxies the JVM names for etcd resolve, answered within a short
 * bound and never waiting on DNS for longer: the lookups run on a thread of their own, one at a
 * time per name, and their answers are kept for {@link #FRESH_FOR}.
 *
 * <p>Exists because {@link JvmProxy#route} looked the proxy's name up on the caller's thread, and
 * its callers include every failed API request once etcd answered ({@link FirstContact}'s part of
 * the 503): with DNS down, such a request waited for the resolver's timeout (seconds) once per
 * negative-cache period of the JVM. Now a caller waits at most {@link #FIRST_WAIT}, and only for a
 * name never looked up before, when it started that lookup (the callers meanwhile do not wait: with
 * DNS down each failing request would pay the wait until the lookup gave up); after that it gets
 * the last answer at once while a stale one is looked up again behind it. An answer not known in
 * time is {@link Resolution#NOT_YET_KNOWN}, which {@link JvmProxy} takes as the proxy being in use
 * (gRPC's own lookup, on its resolver's thread, decides).
 */
final class ProxyNames {

  /** What is known of a proxy's name. */
  enum Resolution {
    RESOLVES,
    DOES_NOT_RESOLVE,
    /** Its first lookup did not answer within the wait: not known yet. */
    NOT_YET_KNOWN
  }

  /** Looks a name up, as gRPC's proxy detector does; throws when it does not resolve. */
  @FunctionalInterface
  interface Lookup {
    void lookUp(String host) throws UnknownHostException;
  }

  /**
   * How long an answer holds before the name is looked up again: as long as the JVM's own negative
   * cache ({@code networkaddress.cache.negative.ttl}, 10 s), about what gRPC's next lookup sees.
   */
  static final Duration FRESH_FOR = Duration.ofSeconds(10);

  /** The most the caller that starts a name's first lookup waits for its answer. */
  static final Duration FIRST_WAIT = Duration.ofMillis(150);

  /** An answer as of {@code at} ({@link #nanoTime}), and the lookup on its way, or {@code null}. */
  private record Entry(Resolution known, long at, CompletableFuture<Resolution> lookingUp) {}

  private final Lookup lookup;
  private final Executor lookups;
  private final long freshForNanos;
  private final Duration firstWait;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  /**
   * @param lookup looks a name up (it may block for the resolver's timeout)
   * @param lookups runs the lookups, never on the caller's thread
   * @param freshFor how long an answer holds
   * @param firstWait the most a caller waits for a name's first answer
   * @param nanoTime the clock the answers' age is measured with
   */
  ProxyNames(
      Lookup lookup,
      Executor lookups,
      Duration freshFor,
      Duration firstWait,
      LongSupplier nanoTime) {
    this.lookup = lookup;
    this.lookups = lookups;
    this.freshForNanos = freshFor.toNanos();
    this.firstWait = firstWait;
    this.nanoTime = nanoTime;
  }

  /**
   * Names looked up with {@link InetAddress#getByName} (as gRPC's proxy detector does; the JVM
   * caches the answer for gRPC's own lookup too) on daemon threads made as lookups need them.
   */
  static ProxyNames inDns() {
    ExecutorService threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "sluice-proxy-name-lookup");
              thread.setDaemon(true);
              return thread;
            });
    return new ProxyNames(InetAddress::getByName, threads, FRESH_FOR, FIRST_WAIT, System::nanoTime);
  }

  /**
   * What is known of {@code host}: the last answer at once (looked up again behind it when it is
   * stale), or, for a name never answered, its lookup's answer if it comes within the first wait,
   * to the caller that started that lookup; {@link Resolution#NOT_YET_KNOWN} at once to the others
   * while it is on its way. Never throws.
   */
  Resolution of(String host) {
    long now = nanoTime.getAsLong();
    Entry entry = entries.get(host);
    CompletableFuture<Resolution> mine = null;
    if (entry == null || (entry.lookingUp() == null && now - entry.at() >= freshForNanos)) {
      mine = new CompletableFuture<>();
      entry = lookUpAgain(host, now, mine);
    }
    // only the caller that started the first lookup waits for it: with DNS down, every caller
    // meanwhile (each failing API request) waited the first wait too, until the lookup gave up
    if (mine == null || entry.lookingUp() != mine || entry.known() != Resolution.NOT_YET_KNOWN) {
      return entry.known();
    }
    try {
      return mine.get(firstWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Resolution.NOT_YET_KNOWN;
    } catch (ExecutionException | TimeoutException e) {
      return Resolution.NOT_YET_KNOWN;
    }
  }

  /**
   * Starts a lookup of {@code host}, answered through {@code mine}, unless another caller just did,
   * or a fresh answer came meanwhile: the entry to answer from, whose lookup is {@code mine} when
   * this caller started it.
   */
  private Entry lookUpAgain(String host, long now, CompletableFuture<Resolution> mine) {
    Entry entry =
        entries.compute(
            host,
            (name, old) ->
                old != null && (old.lookingUp() != null || now - old.at() < freshForNanos)
                    ? old
                    : new Entry(
                        old == null ? Resolution.NOT_YET_KNOWN : old.known(),
                        old == null ? now : old.at(),
                        mine));
    if (entry.lookingUp() != mine) {
      return entry;
    }
    try {
      lookups.execute(() -> answer(host, mine));
    } catch (RuntimeException e) {
      // no thread to look it up on: what was known stays, tried again once it is stale anew
      entries.put(host, new Entry(entry.known(), now, null));
      mine.complete(Resolution.NOT_YET_KNOWN);
    }
    return entry;
  }

  /** Looks {@code host} up and keeps the answer; never leaves {@code lookingUp} unanswered. */
  private void answer(String host, CompletableFuture<Resolution> lookingUp) {
    Resolution resolution = Resolution.DOES_NOT_RESOLVE;
    try {
      lookup.lookUp(host);
      resolution = Resolution.RESOLVES;
    } catch (UnknownHostException | RuntimeException e) {
      // gRPC's detector fails for it too: the client leaves the endpoint out
    } finally {
      entries.put(host, new Entry(resolution, nanoTime.getAsLong(), null));
      lookingUp.complete(resolution);
    }
  }
}

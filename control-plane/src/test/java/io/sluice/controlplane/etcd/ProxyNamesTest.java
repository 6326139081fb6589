package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.etcd.ProxyNames.Resolution;
import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A proxy's name whose lookup hangs (DNS down: the resolver waits out its timeout) no longer holds
 * up the caller: {@link JvmProxy#route} looked the name up on the caller's thread, which is a
 * failing API request's ({@link FirstContact#proxysPart}), for the resolver's whole timeout. The
 * lookup here is the unit's own collaborator, one that answers only when the test lets it: the DNS
 * answer never comes while the route is asked.
 */
class ProxyNamesTest {

  private static final EtcdAddress ETCD = new EtcdAddress("etcd.internal", 2379, true);

  private final ExecutorService lookupThreads = Executors.newCachedThreadPool();
  private final CountDownLatch dnsAnswers = new CountDownLatch(1);
  private final Set<String> notResolving = ConcurrentHashMap.newKeySet();
  private final AtomicInteger lookups = new AtomicInteger();
  private final AtomicLong now = new AtomicLong();

  /** A lookup that answers once the test lets DNS answer: of the names in notResolving, none. */
  private final ProxyNames.Lookup slowDns =
      host -> {
        lookups.incrementAndGet();
        try {
          dnsAnswers.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (notResolving.contains(host)) {
          throw new UnknownHostException(host);
        }
      };

  private final ProxyNames names =
      new ProxyNames(
          slowDns, lookupThreads, Duration.ofSeconds(10), Duration.ofMillis(150), now::get);

  @AfterEach
  void stopTheLookups() throws InterruptedException {
    dnsAnswers.countDown();
    lookupThreads.shutdownNow();
    lookupThreads.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard, not a measure
  void theRouteIsAnsweredWithoutTheDnsAnswerAndTheProxyTakenAsInUse() {
    notResolving.add("proxy.internal");

    JvmProxy.Route route = withSelector(() -> JvmProxy.route(ETCD, names));

    assertThat(dnsAnswers.getCount()).as("DNS has not answered").isEqualTo(1);
    assertThat(lookups.get()).as("the lookup was started").isEqualTo(1);
    assertThat(route).isEqualTo(new JvmProxy.Route("proxy.internal:3128", null, true));
    assertThat(route.nameBeingLookedUp()).as("said to be still looked up").isTrue();

    // once DNS answers that it does not resolve, the endpoint is left out, as gRPC leaves it
    dnsAnswers.countDown();
    await("the lookup's answer")
        .atMost(Duration.ofSeconds(10))
        .until(() -> withSelector(() -> JvmProxy.route(ETCD, names)).leftOut() != null);
    assertThat(withSelector(() -> JvmProxy.route(ETCD, names)).leftOut())
        .isEqualTo(
            "the JVM's ProxySelector named the HTTP proxy proxy.internal:3128, whose name does not"
                + " resolve");
  }

  /**
   * While the proxy's name's first lookup is on its way, the route said only that the proxy is in
   * use, as it says of a proxy whose name resolves: it now says the name is still being looked up,
   * and stops saying so once the lookup answers that it resolves.
   */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard, not a measure
  void theRouteSaysTheProxysNameIsStillBeingLookedUpUntilItsLookupAnswers() {
    JvmProxy.Route route = withSelector(() -> JvmProxy.route(ETCD, names));

    assertThat(dnsAnswers.getCount()).as("DNS has not answered").isEqualTo(1);
    assertThat(route.proxy()).as("only the address").isEqualTo("proxy.internal:3128");
    assertThat(route.nameBeingLookedUp()).isTrue();
    assertThat(route.direct()).isFalse();

    dnsAnswers.countDown();
    await("the lookup's answer")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !withSelector(() -> JvmProxy.route(ETCD, names)).nameBeingLookedUp());
    assertThat(withSelector(() -> JvmProxy.route(ETCD, names)))
        .isEqualTo(new JvmProxy.Route("proxy.internal:3128", null, false));
  }

  /**
   * A probe of endpoints behind a proxy whose name's first lookup is on its way names that proxy as
   * still being looked up, in health's words for each endpoint ({@link
   * EndpointProbe.Finding#shown}): it named it as a proxy known to resolve.
   */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void theProbeNamesAProxyWhoseNameIsStillBeingLookedUp() {
    EndpointProbe probe =
        new EndpointProbe(
            List.of(ETCD),
            Duration.ofSeconds(1),
            true,
            host -> {
              throw new UnknownHostException(host); // never asked: nothing is probed
            },
            names);

    List<EndpointProbe.Finding> notProbed = withSelector(probe::notProbed);

    assertThat(notProbed)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.seen()).isEqualTo(EndpointProbe.Seen.THROUGH_PROXY_BEING_LOOKED_UP);
              assertThat(f.detail()).isEqualTo("proxy.internal:3128");
              assertThat(f.shown())
                  .isEqualTo(
                      "not probed: dialled through the HTTP proxy proxy.internal:3128, whose name"
                          + " is still being looked up");
            });

    dnsAnswers.countDown();
    await("the lookup's answer")
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> withSelector(probe::notProbed).get(0).seen() == EndpointProbe.Seen.THROUGH_PROXY);
    assertThat(withSelector(probe::notProbed).get(0).shown())
        .isEqualTo("not probed: dialled through the HTTP proxy proxy.internal:3128");
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void callersWhileALookupIsOnItsWayShareIt() {
    for (int i = 0; i < 5; i++) {
      assertThat(names.of("proxy.internal")).isEqualTo(Resolution.NOT_YET_KNOWN);
    }
    assertThat(lookups.get()).as("lookups started").isEqualTo(1);
  }

  /**
   * Until a name's first lookup answered, every caller waited for it, up to the first wait each:
   * with DNS down, each failing API request paid the wait until the lookup gave up. Only the caller
   * that started the lookup waits now (here its wait is long enough never to end in the test); one
   * coming meanwhile is answered at once that the name is not known yet.
   */
  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard, not a measure
  void onlyTheCallerThatStartedTheFirstLookupWaitsForIt() throws Exception {
    ProxyNames waitingLong =
        new ProxyNames(
            slowDns, lookupThreads, Duration.ofSeconds(10), Duration.ofMinutes(10), now::get);
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<Resolution> starter =
          CompletableFuture.supplyAsync(() -> waitingLong.of("proxy.internal"), callers);
      await("the first lookup started")
          .atMost(Duration.ofSeconds(10))
          .until(() -> lookups.get() == 1);

      CompletableFuture<Resolution> meanwhile =
          CompletableFuture.supplyAsync(() -> waitingLong.of("proxy.internal"), callers);
      await("the answer of a caller coming while the lookup is on its way")
          .atMost(Duration.ofSeconds(10))
          .until(meanwhile::isDone);

      assertThat(meanwhile.get()).isEqualTo(Resolution.NOT_YET_KNOWN);
      assertThat(dnsAnswers.getCount()).as("DNS has not answered").isEqualTo(1);
      assertThat(starter).as("the caller that started the lookup, still waiting").isNotDone();
      assertThat(lookups.get()).as("lookups started").isEqualTo(1);

      dnsAnswers.countDown();
      assertThat(starter.get(10, TimeUnit.SECONDS)).isEqualTo(Resolution.RESOLVES);
    } finally {
      dnsAnswers.countDown();
      callers.shutdownNow();
    }
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aStaleAnswerIsGivenAtOnceWhileTheNameIsLookedUpAgain() {
    dnsAnswers.countDown();
    await("the first answer")
        .atMost(Duration.ofSeconds(10))
        .until(() -> names.of("proxy.internal") == Resolution.RESOLVES);
    assertThat(names.of("proxy.internal")).as("fresh: kept").isEqualTo(Resolution.RESOLVES);
    assertThat(lookups.get()).isEqualTo(1);

    notResolving.add("proxy.internal");
    now.addAndGet(Duration.ofSeconds(11).toNanos());
    // the stale answer at once, the name looked up again behind it
    assertThat(names.of("proxy.internal")).isEqualTo(Resolution.RESOLVES);
    await("the new answer")
        .atMost(Duration.ofSeconds(10))
        .until(() -> names.of("proxy.internal") == Resolution.DOES_NOT_RESOLVE);
    assertThat(lookups.get()).isEqualTo(2);
  }

  @Test
  void anAnswerWithinTheFirstWaitIsGivenAtOnce() {
    dnsAnswers.countDown();
    // the lookup answers at once: a caller waiting up to 150 ms gets it, unless the machine is
    // stalled that long, when the next call gets it
    await("the answer")
        .atMost(Duration.ofSeconds(10))
        .until(() -> names.of("localhost") == Resolution.RESOLVES);
    assertThat(lookups.get()).isEqualTo(1);
  }

  /** {@code call} with the JVM's selector naming the unresolved proxy.internal:3128 for etcd. */
  private static <T> T withSelector(java.util.function.Supplier<T> call) {
    ProxySelector previous = ProxySelector.getDefault();
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            return List.of(
                new Proxy(
                    Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.internal", 3128)));
          }

          @Override
          public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
    try {
      return call.get();
    } finally {
      ProxySelector.setDefault(previous);
    }
  }
}

package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.controlplane.history.HistoryRetention;
import io.sluice.controlplane.history.HistorySettings;
import io.sluice.controlplane.history.TestHistoryCodecs;
import io.sluice.rules.RuleCodec;
import io.sluice.testing.etcd.EtcdExtension;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write without a precondition that other writes keep beating is given up, and answered as what
 * happened: 409 {@code write-contention}, nothing written, send it again. It was answered 412
 * {@code stale-revision}, "the rules are not at the revision the request's If-Match or
 * If-None-Match expects", to a request that sent neither (60 concurrent PUTs of one service got six
 * of those).
 *
 * <p>Real etcd; every conditional transaction of the store is beaten by a write of the same key
 * made just before it is sent, so each attempt fails for real, as under contention, every time.
 */
class RuleStoreContentionIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String SERVICE = "contended";
  private static final String RULES_KEY = "/sluice/v1/rules/" + SERVICE;

  private Client client;
  private final AtomicInteger beaten = new AtomicInteger();

  @BeforeEach
  void connect() {
    client = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void aWriteWithoutAPreconditionThatKeepsLosingIsAConflictNotAStaleRevision() throws Exception {
    storeDirectly(); // something to beat each time

    ApiException gaveUp = putBeatenEveryTime(null);

    assertThat(beaten.get()).as("attempts beaten").isGreaterThan(1);
    assertThat(gaveUp.problem().type()).hasToString("urn:sluice:problem:write-contention");
    assertThat(gaveUp.problem().status().value()).isEqualTo(409);
    assertThat(gaveUp.getMessage()).contains("nothing was written").doesNotContain("If-Match");
  }

  @Test
  void soIsOneWhosePreconditionOnlyAsksForADocument() throws Exception {
    storeDirectly();

    ApiException gaveUp = putBeatenEveryTime(RuleStore.Expected.revision(RuleStore.ANY_EXISTING));

    // If-Match: * held at every attempt (the document was there): no precondition failed
    assertThat(gaveUp.problem().type()).hasToString("urn:sluice:problem:write-contention");
  }

  @Test
  void aWriteWhoseRevisionWasBeatenIsStillAStaleRevision() throws Exception {
    long revision = storeDirectly();

    ApiException stale = putBeatenEveryTime(RuleStore.Expected.revision(revision));

    assertThat(stale.problem()).isEqualTo(ProblemType.PRECONDITION_FAILED);
    // read again after the lost compare: the revision to read at, which a client needs to retry
    long stored = storedRevision();
    assertThat(stored).isGreaterThan(revision);
    assertThat(stale.properties()).containsEntry("currentRevision", stored);
    assertThat(beaten.get()).as("attempts beaten").isEqualTo(1);
  }

  /**
   * An {@code If-Match} naming two revisions still holds at the second one after a write beat it to
   * the first: the write goes on (RFC 9110 judges it against the state found), here to be beaten
   * again, at a revision it does not name.
   */
  @Test
  void aBeatenWriteWhoseIfMatchStillHoldsIsTriedAgain() throws Exception {
    long revision = storeDirectly();

    ApiException stale =
        putBeatenEveryTime(new RuleStore.Expected(List.of(revision, revision + 1)));

    assertThat(stale.problem()).isEqualTo(ProblemType.PRECONDITION_FAILED);
    assertThat(beaten.get()).as("attempts beaten").isEqualTo(2);
    assertThat(stale.properties()).containsEntry("currentRevision", revision + 2);
  }

  /** Stores {@link #document()} straight into etcd; its revision. */
  private long storeDirectly() throws Exception {
    return client
        .getKVClient()
        .put(bytes(RULES_KEY), bytes(document()))
        .get(5, TimeUnit.SECONDS)
        .getHeader()
        .getRevision();
  }

  /** The revision of the rules key as stored now. */
  private long storedRevision() throws Exception {
    return client
        .getKVClient()
        .get(bytes(RULES_KEY))
        .get(5, TimeUnit.SECONDS)
        .getKvs()
        .get(0)
        .getModRevision();
  }

  /** What a PUT of {@link #document()} expecting {@code expected} fails with, beaten every time. */
  private ApiException putBeatenEveryTime(RuleStore.Expected expected) {
    RuleStore store = storeBeatenEveryTime();
    return catchThrowableOfType(
        ApiException.class,
        () -> store.put(SERVICE, document(), expected, new RuleStore.Change("ci", null)));
  }

  /**
   * A write that waits its turn longer than the limit, behind other writes of its service on this
   * control plane, is given up as contention whatever its precondition says (the OpenAPI document
   * says so too): nothing is written, and the revision it expected is still the stored one.
   */
  @Test
  void aWriteThatWaitsItsTurnTooLongIsContentionWhateverItsPrecondition() throws Exception {
    long revision = storeDirectly();
    EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(5));
    RuleStore store = storeOn(gateway, Duration.ofSeconds(1));
    ServiceWriteLocks.Turn held = store.turns().await(SERVICE);
    try {
      // another request's thread: the turns are fair locks, which the holder's own thread enters
      CompletableFuture<Long> write =
          CompletableFuture.supplyAsync(
              () ->
                  store.put(
                      SERVICE,
                      document(SERVICE, 0.7),
                      RuleStore.Expected.revision(revision),
                      new RuleStore.Change("ci", null)));
      Throwable failure =
          catchThrowableOfType(ExecutionException.class, () -> write.get(30, TimeUnit.SECONDS))
              .getCause();
      assertThat(failure).isInstanceOf(ApiException.class);
      ApiException gaveUp = (ApiException) failure;
      assertThat(gaveUp.problem().status().value()).isEqualTo(409);
      assertThat(gaveUp.problem().type()).hasToString("urn:sluice:problem:write-contention");
      assertThat(gaveUp.getMessage())
          .contains("were being written by other requests for 1 s")
          .contains("nothing was written");
    } finally {
      held.release();
    }
    assertThat(storedRevision()).isEqualTo(revision);
  }

  /**
   * Sixty writers of one service at once through one store all get their write in: they take turns
   * instead of beating each other in etcd, where a third of them lost every one of their 20
   * attempts (409 {@code write-contention}).
   */
  @Test
  void sixtyConcurrentWritersOfOneServiceAllGetTheirWriteIn() throws Exception {
    int writers = 60;
    EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(10));
    RuleStore store = storeOn(gateway);
    // connected before the writers start: they race each other, not the connection
    client.getKVClient().get(bytes(RULES_KEY)).get(10, TimeUnit.SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> writes = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String document = document("everyone", 0.001 * (i + 1));
        String author = "writer-" + i;
        writes.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.put("everyone", document, null, new RuleStore.Change(author, null));
                }));
      }
      start.countDown();
      Set<Long> revisions = new TreeSet<>();
      List<String> failures = new ArrayList<>();
      for (Future<Long> write : writes) {
        try {
          revisions.add(write.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          failures.add(String.valueOf(e.getCause()));
        }
      }
      assertThat(failures).isEmpty();
      assertThat(revisions).hasSize(writers);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * While etcd does not answer, the writes of one service waiting their turn behind one that found
   * it so answer 503 {@code etcd-unavailable} at once, without a call of their own. Each waited out
   * the etcd deadline (5 s) in turn, and the fourth of four reached the turn's wait limit (15 s):
   * 409 {@code write-contention}, which is not what happened.
   */
  @Test
  void writesWaitingBehindOneThatFoundEtcdUnavailableAnswer503WithoutACallOfTheirOwn()
      throws Exception {
    int writers = 4;
    AtomicInteger calls = new AtomicInteger();
    EtcdGateway gateway = TestGateways.on(counted(client, calls), Duration.ofSeconds(5));
    RuleStore store = storeOn(gateway);
    client.getKVClient().get(bytes(RULES_KEY)).get(10, TimeUnit.SECONDS); // connected
    // the writers line up behind this turn, all waiting when the first of them goes to etcd
    ServiceWriteLocks.Turn lineUp = store.turns().await(SERVICE);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    etcd.server().freeze(); // connected, but answers nothing
    try {
      List<Future<Long>> writes = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String author = "writer-" + i;
        writes.add(
            pool.submit(
                () -> store.put(SERVICE, document(), null, new RuleStore.Change(author, null))));
      }
      await("every write waits its turn")
          .atMost(Duration.ofSeconds(30))
          .until(() -> store.turns().waiting(SERVICE), n -> n == writers);
      lineUp.release();

      List<Throwable> failures = new ArrayList<>();
      for (Future<Long> write : writes) {
        failures.add(
            catchThrowableOfType(ExecutionException.class, () -> write.get(60, TimeUnit.SECONDS))
                .getCause());
      }

      // the first write's own call timed out (the gateway's 503); the others were not sent
      assertThat(failures)
          .extracting(RuleStoreContentionIT::answer)
          .containsExactlyInAnyOrder(
              "etcd did not answer (read)",
              "etcd-unavailable, not sent",
              "etcd-unavailable, not sent",
              "etcd-unavailable, not sent");
      assertThat(calls.get()).as("calls sent to etcd").isEqualTo(1);
    } finally {
      etcd.server().thaw();
      pool.shutdownNow();
    }
  }

  /** What a write failed with, in short. */
  private static String answer(Throwable failure) {
    if (failure instanceof EtcdUnavailableException e) {
      return e.outcomeUnknown() ? "etcd did not answer (commit)" : "etcd did not answer (read)";
    }
    if (failure instanceof ApiException e) {
      String type = e.problem().type().toString().replace("urn:sluice:problem:", "");
      boolean notSent =
          e.etcdWaitBegan().isPresent()
              && e.getMessage().startsWith("etcd is unavailable or did not answer in time")
              && e.getMessage().contains("this write was not sent and nothing was changed");
      return type + (notSent ? ", not sent" : "");
    }
    return String.valueOf(failure);
  }

  /** {@code real}, counting the calls of its key-value client into {@code calls}. */
  private static Client counted(Client real, AtomicInteger calls) {
    KV kv = real.getKVClient();
    KV countingKv =
        proxy(
            KV.class,
            (self, method, args) -> {
              calls.incrementAndGet();
              return call(kv, method, args);
            });
    return proxy(
        Client.class,
        (self, method, args) ->
            method.getName().equals("getKVClient") ? countingKv : call(real, method, args));
  }

  /** A store on {@code gateway} as the control plane builds it, with plain history entries. */
  private static RuleStore storeOn(EtcdGateway gateway) {
    return new RuleStore(
        gateway,
        TestHistoryCodecs.plain(),
        new HistoryRetention(gateway, HistorySettings.UNLIMITED),
        Clock.systemUTC());
  }

  /** As {@link #storeOn(EtcdGateway)}, its writes waiting their turn {@code turnWait} at most. */
  private static RuleStore storeOn(EtcdGateway gateway, Duration turnWait) {
    return new RuleStore(
        gateway,
        TestHistoryCodecs.plain(),
        new HistoryRetention(gateway, HistorySettings.UNLIMITED),
        Clock.systemUTC(),
        turnWait);
  }

  private RuleStore storeBeatenEveryTime() {
    EtcdGateway gateway = TestGateways.on(beatenEveryTime(client), Duration.ofSeconds(5));
    return storeOn(gateway);
  }

  /**
   * {@code real}, except that each transaction with a condition is preceded by a put of the rules
   * key: another writer that always gets in first.
   */
  private Client beatenEveryTime(Client real) {
    KV kv = real.getKVClient();
    KV beatingKv =
        proxy(
            KV.class,
            (self, method, args) ->
                method.getName().equals("txn") ? beatenTxn(kv, kv.txn()) : call(kv, method, args));
    return proxy(
        Client.class,
        (self, method, args) ->
            method.getName().equals("getKVClient") ? beatingKv : call(real, method, args));
  }

  private Txn beatenTxn(KV kv, Txn real) {
    boolean[] conditional = {false};
    Txn[] self = new Txn[1];
    self[0] =
        proxy(
            Txn.class,
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "If" -> {
                  conditional[0] = true;
                  real.If((io.etcd.jetcd.op.Cmp[]) args[0]);
                  return self[0];
                }
                case "Then" -> {
                  real.Then((io.etcd.jetcd.op.Op[]) args[0]);
                  return self[0];
                }
                case "Else" -> {
                  real.Else((io.etcd.jetcd.op.Op[]) args[0]);
                  return self[0];
                }
                case "commit" -> {
                  if (conditional[0]) {
                    kv.put(bytes(RULES_KEY), bytes(document())).get(5, TimeUnit.SECONDS);
                    beaten.incrementAndGet();
                  }
                  return real.commit();
                }
                default -> {
                  return call(real, method, args);
                }
              }
            });
    return self[0];
  }

  private static String document() {
    return document(SERVICE, 0.5);
  }

  private static String document(String service, double ratio) {
    return RuleCodec.writeCompact(
        RuleCodec.parseFor(
                service,
                ("{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": " + ratio + "}}")
                    .getBytes(StandardCharsets.UTF_8))
            .document());
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}

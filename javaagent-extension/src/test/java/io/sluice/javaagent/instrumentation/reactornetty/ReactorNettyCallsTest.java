package io.sluice.javaagent.instrumentation.reactornetty;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.FreshCopyLoader;
import io.sluice.javaagent.HeldFirstLine;
import io.sluice.javaagent.bridge.CallIgnoringOutcomes;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.testing.logging.LogCapture;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientConfig;

class ReactorNettyCallsTest {

  private LogCapture logged;

  @BeforeEach
  void captureLogs() {
    logged = LogCapture.of(ReactorNettyCalls.class);
  }

  @AfterEach
  void releaseLogs() {
    logged.close();
  }

  @Test
  void aRejectedCallWhoseSubscriberThrowsStaysRejectedAndSaysWhoFailed() {
    RuntimeException appFailure = new IllegalStateException("the app's onError failed");
    CoreSubscriber<Connection> throwingSubscriber =
        new CoreSubscriber<>() {
          @Override
          public void onSubscribe(Subscription subscription) {}

          @Override
          public void onNext(Connection connection) {}

          @Override
          public void onError(Throwable error) {
            throw appFailure;
          }

          @Override
          public void onComplete() {}
        };

    boolean skipped = ReactorNettyCalls.reject(new RejectedCall(), throwingSubscriber);

    assertThat(skipped).as("the connect Mono must not run").isTrue();
    assertThat(logged.records())
        .anySatisfy(
            record -> {
              assertThat(record.getThrown()).isSameAs(appFailure);
              assertThat(record.getMessage())
                  .contains("subscriber")
                  .doesNotContain("could not be guarded");
            });
  }

  /**
   * A failure is logged once, also when two calls meet it at the same time: the second used to log
   * it again while the first was still logging. A copy of the helper of its own, as the agent
   * injects one into each class loader, so that no other test has used up its one line.
   */
  @Test
  void aFailureIsLoggedOnceWhenCallsRace() throws Exception {
    Method failed =
        new FreshCopyLoader(Set.of(ReactorNettyCalls.class.getName()), Set.of())
            .copyOf(ReactorNettyCalls.class)
            .getDeclaredMethod("failed", Throwable.class);
    failed.setAccessible(true);
    Logger logger = Logger.getLogger(ReactorNettyCalls.class.getName());
    HeldFirstLine held = new HeldFirstLine();
    logger.addHandler(held);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<?> first = other.submit(() -> failed.invoke(null, new IllegalStateException("1")));
      assertThat(held.awaitFirst()).isTrue();

      failed.invoke(null, new IllegalStateException("2")); // while the first is being logged
      held.release();
      first.get(10, TimeUnit.SECONDS);
      failed.invoke(null, new IllegalStateException("3"));

      assertThat(held.lines()).isEqualTo(1);
    } finally {
      held.release();
      logger.removeHandler(held);
      other.shutdownNow();
    }
  }

  /**
   * Reactor Netty connects to the host of a {@code java.net.URI}'s authority without its user info,
   * but takes a String URL's user info for part of the host name: that call's errors are about a
   * host that never resolves, not the target, and discard it; a URI's count.
   */
  @Test
  void errorsOfAStringUrlWithUserInfoDiscardTheCallAndThoseOfAUriCount() {
    String url = "http://user:pw@payments:8080/pay";

    assertThat(outcomeOfARefusedConnection(HttpClient.create().get().uri(url)))
        .containsExactly("discard");
    assertThat(outcomeOfARefusedConnection(HttpClient.create().get().uri(URI.create(url))))
        .containsExactly("error");
    assertThat(
            outcomeOfARefusedConnection(HttpClient.create().get().uri("http://payments:8080/a@b")))
        .containsExactly("error");
    assertThat(
            outcomeOfARefusedConnection(
                HttpClient.create().baseUrl("http://user:pw@payments:8080").get().uri("/pay")))
        .containsExactly("discard");
    assertThat(logged.records()).as("nothing failed").isEmpty();
  }

  /**
   * A request with a relative URI goes to the client's remote address supplier's address: {@code
   * start} asks the supplier once, to guard the call, and hands Reactor Netty that address ({@code
   * suppliedOnce}, on the {@code UriEndpointFactory} it builds next) instead of the supplier, which
   * it would ask again. Forgotten as it is handed over, and as the subscribe ends otherwise.
   * Without Sluice started nothing is asked.
   */
  @Test
  void theAppsRemoteAddressSupplierIsAskedOncePerRequest() {
    AtomicInteger asked = new AtomicInteger();
    Supplier<SocketAddress> balancing =
        () -> InetSocketAddress.createUnresolved("backend-" + asked.incrementAndGet(), 8080);
    HttpClientConfig config =
        ((HttpClient) HttpClient.create().remoteAddress(balancing).get().uri("/pay"))
            .configuration();
    List<String> guarded = new ArrayList<>();
    SluiceBridge.CallStarter before = SluiceBridge.starter;
    try {
      assertThat(ReactorNettyCalls.start(config)).as("Sluice not started").isNull();
      assertThat(asked).as("not started: nothing asked").hasValue(0);

      SluiceBridge.starter =
          (host, port, method, path) -> {
            guarded.add(host + ":" + port + " " + method + " " + path);
            return null;
          };
      ReactorNettyCalls.start(config);
      assertThat(asked).hasValue(1);
      assertThat(guarded).containsExactly("backend-1:8080 GET /pay");

      Supplier<? extends SocketAddress> handedOver = ReactorNettyCalls.suppliedOnce(balancing);
      assertThat(handedOver.get()).isEqualTo(InetSocketAddress.createUnresolved("backend-1", 8080));
      assertThat(asked)
          .as("Reactor Netty gets the address the breaker was asked about")
          .hasValue(1);
      assertThat(ReactorNettyCalls.suppliedOnce(balancing))
          .as("handed over once: another factory gets the app's supplier")
          .isSameAs(balancing);

      ReactorNettyCalls.start(config);
      ReactorNettyCalls.forgetSupplied();
      assertThat(ReactorNettyCalls.suppliedOnce(balancing))
          .as("forgotten as the subscribe ends")
          .isSameAs(balancing);
      ReactorNettyCalls.start(
          ((HttpClient)
                  HttpClient.create().remoteAddress(balancing).get().uri("http://payments:9000/x"))
              .configuration());
      assertThat(ReactorNettyCalls.suppliedOnce(balancing))
          .as("an absolute URI asks no supplier and keeps nothing")
          .isSameAs(balancing);
      assertThat(asked).hasValue(2);
      assertThat(guarded)
          .containsExactly(
              "backend-1:8080 GET /pay", "backend-2:8080 GET /pay", "payments:9000 GET /x");
    } finally {
      SluiceBridge.starter = before;
      ReactorNettyCalls.forgetSupplied();
    }
    assertThat(logged.records()).as("nothing failed").isEmpty();
  }

  private static List<String> outcomeOfARefusedConnection(HttpClient.ResponseReceiver<?> request) {
    HttpClientConfig config = ((HttpClient) request).configuration();
    ReactorNettyOutcomeTest.RecordingCall call = new ReactorNettyOutcomeTest.RecordingCall();
    ReactorNettyCalls.watch(call, config, new ReactorNettyOutcomeTest.RecordingSubscriber())
        .onError(new ConnectException("Connection refused"));
    return call.outcomes;
  }

  /** A call an open breaker rejected. */
  static final class RejectedCall extends CallIgnoringOutcomes {
    RejectedCall() {
      super("Sluice circuit breaker 'payments' is OPEN", false, 0, Map.of(), "");
    }
  }
}

package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.FreshCopyLoader;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class SluiceBridgeTest {

  /**
   * A failure on an interrupted thread is abandoned only when it is the client's word of the
   * interrupt ({@code InterruptedIOException}, {@code ClosedByInterruptException}, also as a
   * cause): an interrupt does not stop a blocked socket read, and the read that then times out, or
   * a refused connection, is still the target's failure. Before, every failure on an interrupted
   * thread was abandoned, so a hung target whose calls a time limiter cancelled never opened its
   * breaker.
   */
  @Test
  void onAnInterruptedThreadOnlyTheInterruptsOwnFailuresAreAbandoned() {
    Thread.currentThread().interrupt();
    try {
      assertThat(outcomeOf(new InterruptedIOException("interrupted"))).isEqualTo("abandoned");
      assertThat(outcomeOf(new IOException("wrapped", new ClosedByInterruptException())))
          .isEqualTo("abandoned");
      assertThat(outcomeOf(new SocketException("Closed by interrupt")))
          .as("a virtual thread's socket")
          .isEqualTo("abandoned");
      assertThat(outcomeOf(new SocketTimeoutException("Read timed out"))).isEqualTo("failed");
      assertThat(outcomeOf(new ConnectTimeoutException())).isEqualTo("failed");
      assertThat(outcomeOf(new ConnectionPoolTimeoutException())).isEqualTo("failed");
      assertThat(outcomeOf(new SocketException("Connection reset"))).isEqualTo("failed");
      assertThat(outcomeOf(new ConnectException("Connection refused"))).isEqualTo("failed");
      assertThat(Thread.currentThread().isInterrupted()).as("the flag left as it was").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(outcomeOf(new InterruptedIOException("timeout")))
        .as("a thread not interrupted")
        .isEqualTo("failed");
  }

  /** Apache HttpClient 4's connect timeout is an {@code InterruptedIOException}. */
  private static class ConnectTimeoutException extends InterruptedIOException {}

  /** So is its pool's timeout, a subclass of it. */
  private static final class ConnectionPoolTimeoutException extends ConnectTimeoutException {}

  /** What {@link SluiceBridge#end} makes of a call failing with {@code error}. */
  private static String outcomeOf(Throwable error) {
    AtomicReference<String> outcome = new AtomicReference<>("none");
    SluiceBridge.end(
        new CallIgnoringOutcomes() {
          @Override
          public void onError(Throwable e) {
            outcome.set("failed");
          }

          @Override
          public void abandon() {
            outcome.set("abandoned");
          }
        },
        0,
        error);
    return outcome.get();
  }

  /**
   * A starter that throws (a bug in Sluice) lets the app's call go unguarded, and says so once
   * however many calls meet it. Before, the bridge dropped the failure without a word: breakers
   * that silently never guard anything. A copy of the bridge of its own, so that another test's
   * failing starter has not used up the one line.
   */
  @Test
  void aStarterThatThrowsLetsCallsGoUnguardedAndIsLoggedOnce() throws Exception {
    Class<?> bridge =
        new FreshCopyLoader(Set.of(SluiceBridge.class.getName()), Set.of())
            .copyOf(SluiceBridge.class);
    Class<?> starterType =
        Class.forName(bridge.getName() + "$CallStarter", true, bridge.getClassLoader());
    IllegalStateException bug = new IllegalStateException("a bug in Sluice");
    Object throwing =
        Proxy.newProxyInstance(
            bridge.getClassLoader(),
            new Class<?>[] {starterType},
            (proxy, method, args) -> {
              throw bug;
            });
    bridge.getField("starter").set(null, throwing);
    Method start = bridge.getMethod("start", String.class, int.class, String.class, String.class);

    try (LogCapture log = LogCapture.of(SluiceBridge.class)) {
      assertThat(start.invoke(null, "payments", 8080, "POST", "/pay")).isNull();
      assertThat(start.invoke(null, "payments", 8080, "POST", "/pay")).isNull();

      assertThat(log.records()).hasSize(1);
      LogRecord record = log.records().get(0);
      assertThat(record.getMessage()).contains("such calls go unguarded");
      assertThat(record.getThrown()).isSameAs(bug);
    }
  }
}

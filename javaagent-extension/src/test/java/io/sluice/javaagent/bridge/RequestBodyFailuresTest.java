package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Which failures are the app's request body's, as the clients' advice notes them. */
class RequestBodyFailuresTest {

  @Test
  void whatABodyPublisherSignalsIsTheAppsAlsoWrapped() {
    IOException source = new IOException("the app's file is gone");
    UncheckedIOException signalled = new UncheckedIOException(source);

    RequestBodyFailures.appBodyFailed(signalled);

    assertThat(RequestBodyFailures.isAppBodyFailure(signalled)).isTrue();
    assertThat(RequestBodyFailures.isAppBodyFailure(new IOException("send", signalled))).isTrue();
    assertThat(RequestBodyFailures.isAppBodyFailure(source)).as("only what was noted").isFalse();
    assertThat(RequestBodyFailures.isAppBodyFailure(new IOException("other"))).isFalse();
    assertThat(RequestBodyFailures.isAppBodyFailure(null)).isFalse();
  }

  /**
   * An exception without a stack trace is the app's for the one failed call that finds it, not for
   * good: such an exception may be shared by every failure of its kind, as Vert.x fails every
   * stream whose connection closed with one static {@code HttpClosedException}. An app proxying a
   * Vert.x server request into a client's body (its caller gone) signalled it; held for good, it
   * was the app's for the life of the process, and every call of a Vert.x client whose connection
   * the target closed was discarded from then on.
   */
  @Test
  void anExceptionWithoutAStackTraceIsTheAppsForOneCallOnly() {
    Throwable shared = io.vertx.core.http.impl.HttpUtils.CONNECTION_CLOSED_EXCEPTION;
    assertThat(shared.getStackTrace()).isEmpty();

    RequestBodyFailures.appBodyFailed(shared);
    assertThat(RequestBodyFailures.isAppBodyFailure(new IOException(shared)))
        .as("the call the app's body failed")
        .isTrue();
    assertThat(RequestBodyFailures.isAppBodyFailure(shared))
        .as("a later call whose connection the target closed")
        .isFalse();

    RequestBodyFailures.writerThrew(shared);
    assertThat(RequestBodyFailures.isAppBodyFailure(shared)).as("the writer's call").isTrue();
    assertThat(RequestBodyFailures.isAppBodyFailure(shared)).as("the next call").isFalse();
  }

  /** What the app's writer throws of its own is the app's, an I/O exception too. */
  @Test
  void aWritersOwnExceptionIsTheApps() {
    IOException own = new IOException("serializer failed");

    RequestBodyFailures.writerThrew(own);

    assertThat(RequestBodyFailures.isAppBodyFailure(own)).isTrue();
  }

  /**
   * What the client's own sink threw on this thread while sending is the target's, also when the
   * app's writer wraps it; the same failure noted on another thread is not this thread's.
   */
  @Test
  void aSendFailureLeavingTheWriterIsTheTargets() throws Exception {
    SocketException reset = new SocketException("Connection reset");
    RequestBodyFailures.sendFailed(reset);

    RequestBodyFailures.writerThrew(reset);
    UncheckedIOException wrapped = new UncheckedIOException(reset);
    RequestBodyFailures.writerThrew(wrapped);

    assertThat(RequestBodyFailures.isAppBodyFailure(reset)).isFalse();
    assertThat(RequestBodyFailures.isAppBodyFailure(wrapped)).isFalse();

    SocketException elsewhere = new SocketException("Broken pipe");
    RequestBodyFailures.sendFailed(elsewhere);
    CompletableFuture.runAsync(() -> RequestBodyFailures.writerThrew(elsewhere)).get();
    assertThat(RequestBodyFailures.isAppBodyFailure(elsewhere)).isTrue();
  }

  /**
   * However many of the app's failures are in flight at once, each is still known as the app's when
   * its call ends. Before, only the last 64 were: older ones counted as the target's.
   */
  @Test
  void everyFailureInFlightIsKnownHoweverMany() {
    List<IOException> inFlight = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      IOException own = new IOException("the app's body " + i);
      RequestBodyFailures.appBodyFailed(own);
      inFlight.add(own);
    }

    assertThat(inFlight).allMatch(RequestBodyFailures::isAppBodyFailure);
    assertThat(RequestBodyFailures.isAppBodyFailure(new IOException("the app's body 0"))).isFalse();
  }

  /**
   * An exception's own {@code equals} and {@code hashCode} are never asked: a failure that claims
   * to equal every other is not taken for the app's when only another was noted.
   */
  @Test
  void failuresAreKnownByIdentity() {
    class EqualToAll extends IOException {
      @Override
      public boolean equals(Object other) {
        return true;
      }

      @Override
      public int hashCode() {
        return 1;
      }
    }
    EqualToAll noted = new EqualToAll();
    RequestBodyFailures.appBodyFailed(noted);

    assertThat(RequestBodyFailures.isAppBodyFailure(noted)).isTrue();
    assertThat(RequestBodyFailures.isAppBodyFailure(new EqualToAll())).isFalse();
  }

  /**
   * What is held goes with the exceptions: once the app's failures are collected, their entries are
   * dropped, so failures noted over a long run hold no memory.
   */
  @Test
  void failuresTheAppNoLongerHoldsAreForgotten() {
    int before = RequestBodyFailures.noted();
    // every hundredth one held, so that some are surely there however much the collector took
    // while they were noted (it may also take entries counted in before: no comparison with it)
    List<IOException> held = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      IOException failure = new IOException("collected " + i);
      RequestBodyFailures.appBodyFailed(failure);
      if (i % 100 == 0) {
        held.add(failure);
      }
    }
    assertThat(RequestBodyFailures.noted()).isGreaterThanOrEqualTo(held.size());
    assertThat(held).allSatisfy(f -> assertThat(RequestBodyFailures.isAppBodyFailure(f)).isTrue());
    held.clear();

    await("the collected failures' entries are dropped")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              System.gc();
              return RequestBodyFailures.noted() <= before + 100;
            });
  }

  /** A cause that is the exception itself ends the walk. */
  @Test
  void aSelfCausedExceptionIsLookedAtOnce() {
    Throwable selfCaused =
        new ExecutionException("loop", null) {
          @Override
          public synchronized Throwable getCause() {
            return this;
          }
        };

    assertThat(RequestBodyFailures.isAppBodyFailure(selfCaused)).isFalse();
    RequestBodyFailures.writerThrew(selfCaused);
    assertThat(RequestBodyFailures.isAppBodyFailure(selfCaused)).isTrue();
  }
}

package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
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

package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Walking a failure's causes: in order, each once, bounded, whatever the chain does. */
class CausesTest {

  @Test
  void aChainIsWalkedOutermostFirstAndEndsAtItsRoot() {
    ConnectException root = new ConnectException("Connection refused");
    IOException io = new IOException("dial failed", root);
    CompletionException outer = new CompletionException(io);

    assertThat(Causes.of(outer)).containsExactly(outer, io, root);
    assertThat(Causes.root(outer)).isSameAs(root);
    assertThat(Causes.root(root)).isSameAs(root);
    assertThat(Causes.of(null)).isEmpty();
    assertThatThrownBy(() -> Causes.root(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aLoopingChainIsWalkedOnceAndItsRootIsTheLastBeforeTheRepeat() {
    IllegalStateException first = new IllegalStateException("first");
    RuntimeException second = new RuntimeException("second", first);
    first.initCause(second); // legal: initCause refuses only a throwable as its own cause

    assertThat(Causes.of(first)).containsExactly(first, second);
    assertThat(Causes.root(first)).isSameAs(second);
    assertThat(Causes.anyMessageContains(first, "nowhere")).isFalse();
    assertThat(Causes.anyMessageContains(first, "second")).isTrue();
  }

  @Test
  void aThrowableThatNamesItselfAsItsCauseIsWalkedOnce() {
    RuntimeException selfCaused =
        new RuntimeException("self") {
          @Override
          public synchronized Throwable getCause() {
            return this;
          }
        };

    assertThat(Causes.of(selfCaused)).containsExactly(selfCaused);
    assertThat(Causes.root(selfCaused)).isSameAs(selfCaused);
  }

  @Test
  void aChainDeeperThanTheBoundIsCut() {
    Throwable failure = new IOException("innermost");
    for (int i = 0; i < 100; i++) {
      failure = new RuntimeException("wrapper " + i, failure);
    }

    assertThat(Causes.of(failure)).hasSize(Causes.MAX_DEPTH).startsWith(failure);
    assertThat(Causes.anyMessageContains(failure, "innermost")).isFalse();
  }

  @Test
  void aGetCauseThatThrowsEndsTheChain() {
    RuntimeException broken =
        new RuntimeException("broken") {
          @Override
          public synchronized Throwable getCause() {
            throw new UnsupportedOperationException("no cause for you");
          }
        };
    CompletionException outer = new CompletionException(broken);

    assertThat(Causes.of(outer)).containsExactly(outer, broken);
    assertThat(Causes.root(outer)).isSameAs(broken);
  }

  @Test
  void messagesAreSearchedInEveryCauseAndAMissingMessageIsSkipped() {
    CompletionException outer =
        new CompletionException(null, new IOException("etcdserver: request is too large"));

    assertThat(Causes.anyMessageContains(outer, "too large")).isTrue();
    assertThat(Causes.anyMessageContains(outer, "lease not found")).isFalse();
    assertThat(Causes.anyMessageContains(null, "anything")).isFalse();
  }

  @Test
  void anyOfSeveralTextsMatchesInOneWalk() {
    IOException inner = new IOException("grpc: received message larger than max (5 vs. 4)");
    CompletionException outer = new CompletionException("call failed", inner);

    assertThat(Causes.anyMessageContains(outer, "request is too large", "larger than max"))
        .isTrue();
    assertThat(Causes.anyMessageContains(outer, "lease not found", "compacted")).isFalse();
    assertThat(Causes.anyMessageContains(outer)).as("no texts").isFalse();
  }

  @Test
  void aMessageThatThrowsCountsAsNone() {
    IllegalStateException broken =
        new IllegalStateException("unread") {
          @Override
          public String getMessage() {
            throw new UnsupportedOperationException("no message for you");
          }
        };
    CompletionException outer = new CompletionException(null, broken);
    broken.initCause(new IOException("etcdserver: request is too large"));

    assertThat(Causes.anyMessageContains(outer, "too large")).isTrue();
    assertThat(Causes.anyMessageContains(outer, "unread")).isFalse();
  }
}

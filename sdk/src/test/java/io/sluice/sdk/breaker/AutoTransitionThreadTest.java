package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AutoTransitionThreadTest {

  private static final InheritableThreadLocal<String> requestScoped =
      new InheritableThreadLocal<>();

  private final AtomicReference<ClassLoader> loaderSeen =
      new AtomicReference<>(getClass().getClassLoader());
  private final AtomicReference<String> localSeen = new AtomicReference<>("not run");

  /** Records what the current thread holds of its creator. */
  private void record() {
    loaderSeen.set(Thread.currentThread().getContextClassLoader());
    localSeen.set(requestScoped.get());
  }

  /** Runs {@code task} detached from a thread that looks like a web application's request. */
  private static void detachFromARequest(Runnable task) throws Exception {
    Thread caller = Thread.currentThread();
    ClassLoader original = caller.getContextClassLoader();
    try (URLClassLoader webapp = new URLClassLoader(new URL[0], original)) {
      caller.setContextClassLoader(webapp);
      requestScoped.set("a request of the web application");
      AutoTransitionThread.runDetached(task);
    } finally {
      caller.setContextClassLoader(original);
      requestScoped.remove();
    }
  }

  @Test
  void runsTheTaskOnAThreadThatHoldsNothingOfTheCaller() throws Exception {
    detachFromARequest(this::record);
    assertThat(localSeen.get()).isNull();
    assertThat(loaderSeen.get()).isNull();
  }

  @Test
  void aThreadStartedByTheDetachedOneInheritsNothingEither() throws Exception {
    detachFromARequest(
        () -> {
          // what the scheduler's thread factory does: a plain new Thread
          Thread child = new Thread(this::record);
          child.start();
          try {
            child.join(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(localSeen.get()).isNull();
    assertThat(loaderSeen.get()).isNull();
  }
}

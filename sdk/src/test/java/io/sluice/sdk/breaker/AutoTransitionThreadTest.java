package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AutoTransitionThreadTest {

  private static final InheritableThreadLocal<String> requestScoped =
      new InheritableThreadLocal<>();

  @Test
  void runsTheTaskOnAThreadThatHoldsNothingOfTheCaller() throws Exception {
    AtomicReference<ClassLoader> loaderSeen = new AtomicReference<>();
    AtomicReference<String> localSeen = new AtomicReference<>("not run");
    Thread caller = Thread.currentThread();
    ClassLoader original = caller.getContextClassLoader();
    try (URLClassLoader webapp = new URLClassLoader(new URL[0], original)) {
      caller.setContextClassLoader(webapp);
      requestScoped.set("a request of the web application");
      AutoTransitionThread.runDetached(
          () -> {
            loaderSeen.set(Thread.currentThread().getContextClassLoader());
            localSeen.set(requestScoped.get());
          });
    } finally {
      caller.setContextClassLoader(original);
      requestScoped.remove();
    }
    assertThat(localSeen.get()).isNull();
    assertThat(loaderSeen.get()).isNull();
  }

  @Test
  void aThreadStartedByTheDetachedOneInheritsNothingEither() throws Exception {
    AtomicReference<ClassLoader> loaderSeen = new AtomicReference<>(getClass().getClassLoader());
    AtomicReference<String> localSeen = new AtomicReference<>("not run");
    Thread caller = Thread.currentThread();
    ClassLoader original = caller.getContextClassLoader();
    try (URLClassLoader webapp = new URLClassLoader(new URL[0], original)) {
      caller.setContextClassLoader(webapp);
      requestScoped.set("a request of the web application");
      AutoTransitionThread.runDetached(
          () -> {
            // what the scheduler's thread factory does: a plain new Thread
            Thread child =
                new Thread(
                    () -> {
                      loaderSeen.set(Thread.currentThread().getContextClassLoader());
                      localSeen.set(requestScoped.get());
                    });
            child.start();
            try {
              child.join(1000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    } finally {
      caller.setContextClassLoader(original);
      requestScoped.remove();
    }
    assertThat(localSeen.get()).isNull();
    assertThat(loaderSeen.get()).isNull();
  }
}

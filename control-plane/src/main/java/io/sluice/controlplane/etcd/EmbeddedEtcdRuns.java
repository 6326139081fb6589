package io.sluice.controlplane.etcd;

import java.util.function.Supplier;

/**
 * What calls and watches through {@link EtcdGateway} need to know of the embedded etcd's supervisor
 * ({@link EmbeddedEtcd}): whether it runs, which of its runs it is, and when it runs again. Exists
 * because its client port is the client's fixed endpoint, which another process (an etcd of its
 * own) may hold while it does not run: a call then must not be sent, a watch event that jetcd
 * delivers from a stream resumed on that port meanwhile must not be applied, even once the embedded
 * etcd runs again, and the mirrors should read it as soon as it does. Tests supply their own, to
 * drive the gateway and its watches against a real etcd without restarting it.
 */
interface EmbeddedEtcdRuns {

  /** No embedded etcd (a configured cluster): always running, one run, never again. */
  EmbeddedEtcdRuns NONE = troubleOnly(() -> null);

  /**
   * Why no etcd of this control plane's runs ({@link EmbeddedEtcd#trouble()}); {@code null} while
   * it runs.
   */
  String trouble();

  /**
   * How many of the embedded etcd's launches have run (answered as this launch's member), the first
   * included: a watch started in one run knows that an event is from its run only while this has
   * not changed. Goes up before {@link #trouble()} is cleared, so that no moment shows the etcd
   * running in the run before.
   */
  long runs();

  /**
   * Has {@code listener} run each time the embedded etcd runs again after it did not (its {@link
   * #trouble()} already cleared), on the supervisor's thread: it must not block. A listener that
   * throws is logged and stops none of the others.
   */
  void whenRunningAgain(Runnable listener);

  /** Only the trouble {@code trouble} says: one run, never again. */
  static EmbeddedEtcdRuns troubleOnly(Supplier<String> trouble) {
    return new EmbeddedEtcdRuns() {
      @Override
      public String trouble() {
        return trouble.get();
      }

      @Override
      public long runs() {
        return 1;
      }

      @Override
      public void whenRunningAgain(Runnable listener) {
        // never runs again: nothing to tell
      }
    };
  }
}

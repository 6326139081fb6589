package io.sluice.javaagent;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.instrumentation.jdkhttp.JdkHttpAnswers;
import io.sluice.sdk.breaker.CallGuard;
import java.util.function.Supplier;

/**
 * Sets the bridge's hooks. Kept apart from every class that runs before the bridge is on the
 * bootstrap path, so no bridge type is resolved too early (resolution failures are permanent).
 */
final class BridgeHooks {

  private BridgeHooks() {}

  static void connect(Supplier<CallGuard> guard) {
    SluiceBridge.jdkHttp = new JdkHttpAnswers();
    SluiceBridge.starter = new GuardedCallStarter(guard);
  }
}

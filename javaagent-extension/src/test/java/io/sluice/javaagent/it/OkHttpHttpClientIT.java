package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/**
 * The client suite against OkHttp 4's {@code Call#execute}, with the {@link OkHttpExecuteScenarios}
 * every OkHttp release runs.
 */
class OkHttpHttpClientIT extends AbstractHttpClientIT implements OkHttpExecuteScenarios {

  @Override
  String client() {
    return "okhttp";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  @Override
  public AbstractHttpClientIT suite() {
    return this;
  }

  /** OkHttp's {@code callTimeout} runs from {@code execute}, before the app's interceptors. */
  @Test
  void callTimeoutsOpenTheBreaker() {
    checkCallTimeoutsOpenTheBreaker("okhttp-late-timeout");
  }
}

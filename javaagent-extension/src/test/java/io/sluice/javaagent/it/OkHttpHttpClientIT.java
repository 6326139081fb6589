package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against OkHttp 4's {@code Call#execute}. */
class OkHttpHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "okhttp";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** OkHttp's {@code callTimeout} runs from {@code execute}, before the app's interceptors. */
  @Test
  void callTimeoutsOpenTheBreaker() {
    checkCallTimeoutsOpenTheBreaker("okhttp-late-timeout");
  }
}

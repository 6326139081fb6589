package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against OkHttp 4's {@code Call#enqueue}. */
class OkHttpAsyncHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "okhttp-async";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** The app calls {@code Call#cancel} once the request is on the wire. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("okhttp-async-cancel");
  }
}

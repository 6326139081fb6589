package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against the JDK's {@code java.net.http.HttpClient#sendAsync}. */
class JdkAsyncHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "jdk-async";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /** The app cancels the future {@code sendAsync} returned. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("jdk-async-cancel");
  }
}

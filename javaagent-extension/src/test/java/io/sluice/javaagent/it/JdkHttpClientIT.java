package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against the JDK's {@code java.net.http.HttpClient#send}. */
class JdkHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "jdk";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * A body the JDK reads from the app's {@code InputStream}, which fails ({@code
   * BodyPublishers.ofInputStream}: the JDK's publisher signals the app's error), counts neither
   * way.
   */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("jdk-failing-body");
  }
}

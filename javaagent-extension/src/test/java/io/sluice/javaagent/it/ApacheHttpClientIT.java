package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against Apache HttpClient 5 classic. */
class ApacheHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "apache";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** The app cancels a request the client is sending ({@code HttpUriRequestBase#cancel}). */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("apache-cancel");
  }

  /** What {@code HttpClients.createMinimal()} builds ({@code MinimalHttpClient}) is guarded too. */
  @Test
  void theMinimalClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache-minimal");
  }
}

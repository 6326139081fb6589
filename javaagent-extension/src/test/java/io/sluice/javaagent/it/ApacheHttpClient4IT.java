package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against Apache HttpClient 4.x classic ({@code org.apache.http}). */
class ApacheHttpClient4IT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "apache4";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** The app aborts a request the client is sending ({@code HttpRequestBase#abort}). */
  @Test
  void anAbortedTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("apache4-cancel");
  }

  /** The deprecated {@code DefaultHttpClient} ({@code AbstractHttpClient}) is guarded too. */
  @Test
  void theDeprecatedDefaultHttpClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache4-legacy");
  }

  /** So is what {@code HttpClients.createMinimal()} builds ({@code MinimalHttpClient}). */
  @Test
  void theMinimalClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache4-minimal");
  }
}

package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against OkHttp 3.12's {@code Call#enqueue} (the {@code okhttp-async} style). */
class OkHttp312AsyncHttpClientIT extends OkHttpReleaseSuite {

  @Override
  OkHttpRelease release() {
    return OkHttpRelease.OKHTTP_3_12;
  }

  @Override
  String client() {
    return "okhttp-async";
  }

  @Override
  String service() {
    return "it-okhttp312-async";
  }

  /** The app calls {@code Call#cancel} once the request is on the wire. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("okhttp-async-cancel");
  }
}

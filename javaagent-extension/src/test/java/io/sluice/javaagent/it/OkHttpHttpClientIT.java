package io.sluice.javaagent.it;

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
}

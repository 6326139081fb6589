package io.sluice.javaagent.it;

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
}

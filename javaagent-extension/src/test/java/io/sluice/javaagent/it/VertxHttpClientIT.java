package io.sluice.javaagent.it;

/** The client suite against Vert.x 5's {@code HttpClient#request}. */
class VertxHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "vertx";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }
}

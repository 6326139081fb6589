package io.sluice.javaagent.it;

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
}

package io.sluice.javaagent.it;

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
}

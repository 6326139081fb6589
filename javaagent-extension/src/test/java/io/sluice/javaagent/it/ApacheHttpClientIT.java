package io.sluice.javaagent.it;

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
}

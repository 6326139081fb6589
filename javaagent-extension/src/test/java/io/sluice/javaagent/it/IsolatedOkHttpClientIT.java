package io.sluice.javaagent.it;

/**
 * The client suite against OkHttp loaded by a class loader that delegates only the JDK's packages,
 * as OSGi bundles and some application servers do: proves the advice reaches Sluice's bootstrap
 * bridge through the packages the extension registers with the agent, not through ordinary parent
 * delegation.
 */
class IsolatedOkHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "okhttp-isolated";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }
}

package io.sluice.javaagent.it;

/** The client suite against OkHttp 5's {@code Call#execute} (the {@code okhttp} style). */
class OkHttp5HttpClientIT extends OkHttpExecuteReleaseSuite {

  @Override
  OkHttpRelease release() {
    return OkHttpRelease.OKHTTP_5;
  }

  @Override
  String service() {
    return "it-okhttp5";
  }
}

package io.sluice.javaagent.it;

/** The client suite against OkHttp 3.12's {@code Call#execute} (the {@code okhttp} style). */
class OkHttp312HttpClientIT extends OkHttpExecuteReleaseSuite {

  @Override
  OkHttpRelease release() {
    return OkHttpRelease.OKHTTP_3_12;
  }

  @Override
  String service() {
    return "it-okhttp312";
  }
}

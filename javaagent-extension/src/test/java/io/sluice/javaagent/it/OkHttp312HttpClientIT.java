package io.sluice.javaagent.it;

/** The client suite against OkHttp 3.12's {@code Call#execute} (the {@code okhttp} style). */
class OkHttp312HttpClientIT extends OkHttpReleaseSuite {

  @Override
  OkHttpRelease release() {
    return OkHttpRelease.OKHTTP_3_12;
  }

  @Override
  String client() {
    return "okhttp";
  }

  @Override
  String service() {
    return "it-okhttp312";
  }
}

package io.sluice.javaagent.it;

/** The client suite against OkHttp 3.14's {@code Call#execute} (the {@code okhttp} style). */
class OkHttp3HttpClientIT extends OkHttpExecuteReleaseSuite {

  @Override
  OkHttpRelease release() {
    return OkHttpRelease.OKHTTP_3;
  }

  @Override
  String service() {
    return "it-okhttp3";
  }
}

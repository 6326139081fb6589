package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client suite against OkHttp 3.14's {@code Call#enqueue}: the test app runs the same {@code
 * okhttp-async} styles with OkHttp 3.14 (and okio 1.x, no Kotlin) in place of OkHttp 4.
 */
class OkHttp3AsyncHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "okhttp-async";
  }

  @Override
  String service() {
    return "it-okhttp3-async";
  }

  @Override
  String appClassPath() {
    return OkHttp3Apps.classPath();
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** Guards against testing OkHttp 4 by mistake: the calls leave the app through OkHttp 3.14. */
  @Test
  void theAppCallsThroughOkHttp3() throws Exception {
    assertThat(OkHttp3Apps.withoutOkHttp4OrKotlin(appClassPath())).isTrue();
    AppAnswer answer = app.call(client(), "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(downstream.lastHeader("User-Agent")).isEqualTo("okhttp/" + OkHttp3Apps.version());
  }

  /** The app calls {@code Call#cancel} once the request is on the wire. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("okhttp-async-cancel");
  }
}

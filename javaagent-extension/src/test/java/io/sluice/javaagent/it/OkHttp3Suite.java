package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client suite with OkHttp 3.14 (and okio 1.x, no Kotlin) in place of OkHttp 4 on the test
 * app's class path, for the OkHttp test-app styles; subclasses choose the style.
 */
abstract class OkHttp3Suite extends AbstractHttpClientIT {

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
}

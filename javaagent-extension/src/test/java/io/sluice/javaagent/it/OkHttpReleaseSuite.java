package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client suite with another {@link OkHttpRelease} in place of OkHttp 4 on the test app's class
 * path, for the OkHttp test-app styles; subclasses choose the release and the style.
 */
abstract class OkHttpReleaseSuite extends AbstractHttpClientIT {

  /** The OkHttp release the app runs on. */
  abstract OkHttpRelease release();

  @Override
  String appClassPath() {
    return release().classPath();
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** Guards against testing OkHttp 4 by mistake: the calls leave the app through the release. */
  @Test
  void theAppCallsThroughTheRelease() throws Exception {
    assertThat(release().aloneOn(appClassPath())).as(appClassPath()).isTrue();
    AppAnswer answer = app.call(client(), "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(downstream.lastHeader("User-Agent")).isEqualTo("okhttp/" + release().version());
  }

  /**
   * The release's call timeout (3.12: {@code RealCall$1}, 3.14: {@code Transmitter$1}, 5: {@code
   * RealCall$timeout$1}) is noticed as OkHttp 4's is.
   */
  @Test
  void callTimeoutsOpenTheBreaker() {
    checkCallTimeoutsOpenTheBreaker("okhttp-late-timeout");
  }
}

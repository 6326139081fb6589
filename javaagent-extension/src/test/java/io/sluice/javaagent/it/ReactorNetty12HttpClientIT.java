package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Reactor Netty suite on Reactor Netty 1.2 (reactor-core 3.7, Netty 4.1) in place of 1.3 on the
 * test app's class path: the breakers match both lines.
 */
class ReactorNetty12HttpClientIT extends ReactorNettyHttpClientIT {

  @Override
  String service() {
    return "it-reactor12";
  }

  @Override
  String appClassPath() {
    return ReactorNetty12Apps.classPath();
  }

  /** Guards against testing 1.3 by mistake: the calls leave the app through Reactor Netty 1.2. */
  @Test
  void theAppCallsThroughReactorNetty12() throws Exception {
    assertThat(ReactorNetty12Apps.onlyReactorNetty12(appClassPath())).isTrue();
    AppAnswer answer = app.call(client(), "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(downstream.lastHeader("User-Agent"))
        .isEqualTo("ReactorNetty/" + ReactorNetty12Apps.version());
  }
}

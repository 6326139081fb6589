package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the ITs read the test app's answer, whatever its headers hold. */
class AppAnswerTest {

  @Test
  void aHeaderWhoseNameOrValueEndsInBodyIsNoBody() {
    AppAnswer answer =
        AppAnswer.parse(
            "status=200\n"
                + "header.x-body=body=1\n"
                + "header.x-raw-body=kept\n"
                + "body=the answer\nbody=its second line");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers()).isEqualTo(Map.of("x-body", "body=1", "x-raw-body", "kept"));
    assertThat(answer.body()).isEqualTo("the answer\nbody=its second line");
    assertThat(answer.failed()).isFalse();
  }

  @Test
  void anAnswerWithoutHeadersOrBody() {
    assertThat(AppAnswer.parse("body=").body()).isEmpty();
    AppAnswer headersOnly = AppAnswer.parse("status=503\nheader.x-sluice=open");
    assertThat(headersOnly.status()).isEqualTo(503);
    assertThat(headersOnly.headers()).isEqualTo(Map.of("x-sluice", "open"));
    assertThat(headersOnly.body()).isEmpty();
    assertThat(AppAnswer.parse("error=java.net.ConnectException").error())
        .isEqualTo("java.net.ConnectException");
  }
}

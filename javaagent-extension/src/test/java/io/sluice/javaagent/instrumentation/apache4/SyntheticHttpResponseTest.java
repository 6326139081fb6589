package io.sluice.javaagent.instrumentation.apache4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.javaagent.bridge.CallIgnoringOutcomes;
import io.sluice.javaagent.bridge.SluiceCall;
import java.util.Map;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.entity.ContentType;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.Test;

class SyntheticHttpResponseTest {

  @Test
  void answersStatusHeadersAndBodyTypedByTheContentTypeHeader() throws Exception {
    CloseableHttpResponse response =
        SyntheticHttpResponse.of(
            rejected(503, Map.of("x-sluice", "open", "Content-Type", "application/json"), "{}"));

    assertThat(response.getStatusLine().getStatusCode()).isEqualTo(503);
    assertThat(response.getStatusLine().getReasonPhrase()).isEqualTo("Service Unavailable");
    assertThat(response.getFirstHeader("x-sluice").getValue()).isEqualTo("open");
    assertThat(ContentType.get(response.getEntity()).getMimeType()).isEqualTo("application/json");
    assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("{}");
    response.close();
    assertThat(EntityUtils.toString(response.getEntity())).as("repeatable").isEqualTo("{}");
  }

  @Test
  void answersPlainTextWithoutAContentTypeHeader() throws Exception {
    CloseableHttpResponse response = SyntheticHttpResponse.of(rejected(503, Map.of(), "fallback"));

    assertThat(ContentType.get(response.getEntity()).getMimeType()).isEqualTo("text/plain");
    assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("fallback");
  }

  @Test
  void refusesWhatHttpClientRefusesSoTheAdviceFailsTheCall() {
    assertThatThrownBy(
            () ->
                SyntheticHttpResponse.of(
                    rejected(503, Map.of("Content-Type", "text/plain; charset=no-such"), "x")))
        .isInstanceOf(RuntimeException.class);
  }

  private static SluiceCall rejected(int status, Map<String, String> headers, String body) {
    return new CallIgnoringOutcomes(
        "Sluice circuit breaker 'p' is OPEN", true, status, headers, body);
  }
}

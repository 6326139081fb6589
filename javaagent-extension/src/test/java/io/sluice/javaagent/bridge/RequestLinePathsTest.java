package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestLinePathsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ' ',
      value = {
        "/pay/{id} /pay/{id}",
        "/pay/a|b?x={y} /pay/a|b",
        "/pay/x#{frag} /pay/x",
        "http://payments:8080/pay/{id}?q /pay/{id}",
        "https://[::1]:8443/pay|x /pay|x",
        "http://payments:8080?q={x} ''",
        "/a://b{ /a://b{"
      })
  void readsThePathOfARequestLineThatIsNoUri(String line, String path) {
    assertThat(RequestLinePaths.uri(line)).isNull();
    assertThat(RequestLinePaths.path(line)).isEqualTo(path);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"/pay/1?x=2", "http://payments:8080/pay/1"})
  void readsTheUriOfARequestLineThatIsOne(String line) {
    assertThat(RequestLinePaths.uri(line)).isNotNull();
  }

  /** HttpClient 5 reads every request's path through it, a URI's path and query too. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ' ',
      value = {"/pay/1?x=2 /pay/1", "/pay/1 /pay/1", "/ /", "/pay/%7Bid%7D?q /pay/%7Bid%7D"})
  void readsThePathOfARequestLineThatIsAUri(String line, String path) {
    assertThat(RequestLinePaths.path(line)).isEqualTo(path);
  }
}

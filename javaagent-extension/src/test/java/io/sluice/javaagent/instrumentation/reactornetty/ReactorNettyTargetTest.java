package io.sluice.javaagent.instrumentation.reactornetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReactorNettyTargetTest {

  private static final Supplier<SocketAddress> CLIENT_ADDRESS =
      () -> InetSocketAddress.createUnresolved("orders", 8080);

  static Stream<Arguments> requests() {
    return Stream.of(
        target(
            "an absolute URL",
            "http://payments:9090/pay/1?x=1",
            null,
            false,
            "payments",
            9090,
            "/pay/1"),
        target("http without a port", "http://payments/pay", null, false, "payments", 80, "/pay"),
        target(
            "https without a port", "https://payments/pay", null, false, "payments", 443, "/pay"),
        target("a bare host", "http://payments:9090", null, false, "payments", 9090, "/"),
        target(
            "a query on a bare host",
            "http://payments:9090?x=1",
            null,
            false,
            "payments",
            9090,
            "/"),
        target("a fragment", "http://payments:9090/pay#top", null, false, "payments", 9090, "/pay"),
        target("no scheme, TLS client", "payments:9090/pay", null, true, "payments", 9090, "/pay"),
        target(
            "user info", "http://user:pw@payments:8080/pay", null, false, "payments", 8080, "/pay"),
        target(
            "user info with an '@' and no port",
            "https://us@r:p@ss@payments/pay?x=1",
            null,
            false,
            "payments",
            443,
            "/pay"),
        target(
            "user info with an IPv6 host",
            "http://user:pw@[::1]:9090/pay",
            null,
            false,
            "::1",
            9090,
            "/pay"),
        target(
            "user info without a scheme",
            "user:pw@payments:9090/pay",
            null,
            false,
            "payments",
            9090,
            "/pay"),
        target("an IPv6 host", "http://[::1]:9090/pay", null, false, "::1", 9090, "/pay"),
        target(
            "a path: the client's host and port", "/pay?x=1", null, false, "orders", 8080, "/pay"),
        target("no URI: the client's root", null, null, false, "orders", 8080, "/"),
        target(
            "a path under a base URL",
            "/pay",
            "http://payments:9090/api/",
            false,
            "payments",
            9090,
            "/api/pay"),
        target(
            "an absolute URL ignores the base URL",
            "http://other:81/x",
            "http://payments:9090",
            false,
            "other",
            81,
            "/x"));
  }

  private static Arguments target(
      String name, String uri, String baseUrl, boolean secure, String host, int port, String path) {
    return Arguments.of(Named.of(name, uri), baseUrl, secure, host, port, path);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void resolvesTheTargetAsReactorNettyDoes(
      String uri, String baseUrl, boolean secure, String host, int port, String path) {
    ReactorNettyTarget target = ReactorNettyTarget.resolve(uri, baseUrl, secure, CLIENT_ADDRESS);

    assertThat(target).isNotNull();
    assertThat(target.host()).isEqualTo(host);
    assertThat(target.port()).isEqualTo(port);
    assertThat(target.path()).isEqualTo(path);
  }

  @Test
  void aPathToAnAddressThatIsNoHostAndPortIsNotGuarded() {
    SocketAddress domainSocket = new SocketAddress() {};

    assertThat(ReactorNettyTarget.resolve("/pay", null, false, () -> domainSocket)).isNull();
  }

  /** Only a URL whose authority names user info says so; an {@code @} in the path does not. */
  @Test
  void tellsWhetherTheUrlNamedUserInfo() {
    assertThat(
            ReactorNettyTarget.resolve("http://user:pw@payments:8080/pay", null, false, null)
                .hasUserInfo())
        .isTrue();
    assertThat(
            ReactorNettyTarget.resolve("/pay", "http://user:pw@payments:8080", false, null)
                .hasUserInfo())
        .isTrue();
    assertThat(
            ReactorNettyTarget.resolve("http://payments:8080/users/a@b", null, false, null)
                .hasUserInfo())
        .isFalse();
    assertThat(ReactorNettyTarget.resolve("/a@b", null, false, CLIENT_ADDRESS).hasUserInfo())
        .isFalse();
  }
}

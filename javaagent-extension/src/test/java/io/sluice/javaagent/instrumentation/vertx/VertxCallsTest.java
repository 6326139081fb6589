package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The URL a rejected Vert.x call's span carries, as Vert.x would address the request. */
class VertxCallsTest {

  @Test
  void aHostNameIsTheUrlsHost() {
    RequestOptions options = new RequestOptions().setHost("payments").setPort(8080).setURI("/p?x");

    assertThat(VertxCalls.url(options, null, 0, false)).isEqualTo("http://payments:8080/p?x");
  }

  /**
   * Vert.x 5.0 takes an IPv6 literal without brackets wherever a host goes: the URL brackets it,
   * and parses back to that host and port. Before, {@code http://::1:8080/pay} named no host.
   */
  @Test
  void aBareIpv6HostIsBracketedInTheUrl() {
    RequestOptions request = new RequestOptions().setHost("::1").setPort(8080).setURI("/pay");
    RequestOptions server =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(9090, "0:0:0:0:0:0:0:1"))
            .setURI("/");
    RequestOptions defaults = new RequestOptions().setURI("/x");

    assertThat(VertxCalls.url(request, null, 0, false)).isEqualTo("http://[::1]:8080/pay");
    assertThat(VertxCalls.url(server, null, 0, false)).isEqualTo("http://[0:0:0:0:0:0:0:1]:9090/");
    assertThat(VertxCalls.url(defaults, "fe80::1", 0, true)).isEqualTo("https://[fe80::1]:443/x");
    URI parsed = URI.create(VertxCalls.url(request, null, 0, false));
    assertThat(parsed.getHost()).isEqualTo("[::1]");
    assertThat(parsed.getPort()).isEqualTo(8080);
  }

  /** Vert.x 5.1 wants the brackets itself ({@code setHost("[::1]")}): they are not doubled. */
  @Test
  void aBracketedIpv6HostStaysAsItIs() {
    RequestOptions options = new RequestOptions().setHost("[::1]").setPort(8080).setURI("/pay");

    assertThat(VertxCalls.url(options, null, 0, false)).isEqualTo("http://[::1]:8080/pay");
  }
}

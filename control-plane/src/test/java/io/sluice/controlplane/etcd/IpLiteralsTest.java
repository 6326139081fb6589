package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IP literals are read without a lookup, and text that only looks like one is no address: {@code
 * 999.1.1.1} matched the dotted-quad pattern of {@link FirstContact}'s address comparison, which
 * then handed it to {@link InetAddress#getByName}, a DNS lookup on the thread of a failing request.
 */
class IpLiteralsTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "999.1.1.1",
        "1.2.3.256",
        "010.0.0.1",
        "proxy.internal",
        "1.2.3",
        "not:an:ipv6:literal",
        "[::1",
        "gg::1"
      })
  void textThatIsNoLiteralIsNoAddress(String host) {
    assertThat(IpLiterals.address(host)).isNull();
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "127.0.0.1, 127.0.0.1",
    "255.255.255.255, 255.255.255.255",
    "0.0.0.0, 0.0.0.0",
    "::1, 0:0:0:0:0:0:0:1",
    "[::1], 0:0:0:0:0:0:0:1",
    "2001:db8::5, 2001:db8:0:0:0:0:0:5"
  })
  void literalsAreTheirAddress(String host, String address) {
    assertThat(IpLiterals.address(host)).isNotNull();
    assertThat(IpLiterals.address(host).getHostAddress()).isEqualTo(address);
  }

  @ParameterizedTest(name = "{0} and {1}: {2}")
  @CsvSource({
    "::1, 0:0:0:0:0:0:0:1, true",
    "127.0.0.1, 127.0.0.1, true",
    "999.1.1.1, 127.0.0.1, false",
    "127.0.0.1, 999.1.1.1, false",
    "proxy, etcd-proxy, false"
  })
  void aProxysHostIsComparedAsAnAddressOnlyWhenBothAreLiterals(
      String host, String address, boolean same) {
    assertThat(FirstContact.sameAddress(host, address)).isEqualTo(same);
  }
}

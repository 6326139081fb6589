package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CallTargetTest {

  private static CallTarget of(String url) {
    return CallTarget.of(URI.create(url));
  }

  @Test
  void readsHostPortAndPathWithTheSchemesDefaultPort() {
    assertThat(of("http://Payments.Internal/pay/1?x=2"))
        .isEqualTo(new CallTarget("payments.internal", 80, "/pay/1"));
    assertThat(of("https://payments.internal"))
        .isEqualTo(new CallTarget("payments.internal", 443, "/"));
    assertThat(of("wss://feed:9443/live")).isEqualTo(new CallTarget("feed", 9443, "/live"));
  }

  @Test
  void anIpv6LiteralLosesItsBracketsAndKeepsThemInTheKey() {
    CallTarget target = of("https://[FE80::1]/x");
    assertThat(target).isEqualTo(new CallTarget("fe80::1", 443, "/x"));
    assertThat(target.key()).isEqualTo("[fe80::1]:443");
    assertThat(CallTarget.canonicalHost("[::1]")).isEqualTo(CallTarget.canonicalHost("::1"));
    assertThat(CallTarget.canonicalHost("[]")).isEqualTo("[]");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "::1, ::1",
    "[::1], ::1",
    "0:0:0:0:0:0:0:1, ::1",
    "[0:0:0:0:0:0:0:1], ::1",
    "0000:0000::0001, ::1",
    "::0:1, ::1",
    "::, ::",
    "0:0:0:0:0:0:0:0, ::",
    "FE80:0:0:0:0:0:0:1, fe80::1",
    "[FE80::0001], fe80::1",
    "2001:DB8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "2001:0db8::, 2001:db8::",
    "1:0:0:2:0:0:0:3, 1:0:0:2::3",
    "::ffff:C000:0201, 192.0.2.1",
    "0:0:0:0:0:ffff:192.0.2.1, 192.0.2.1",
    "[::ffff:192.0.2.1], 192.0.2.1",
    "::ffff:192.0.2.1%eth0, ::ffff:192.0.2.1%eth0",
    "::ffff:0:c000:201, ::ffff:0:c000:201",
    "::ffff:1, ::ffff:1",
    "::192.0.2.1, ::c000:201",
    "fe80::0:1%eth0, fe80::1%eth0",
    "[FE80::1%25Eth0], fe80::1%25Eth0",
    "FE80::1%ETH0, fe80::1%ETH0",
  })
  void spellsAnIpv6LiteralOneWay(String spelling, String canonical) {
    assertThat(CallTarget.canonicalHost(spelling)).isEqualTo(canonical);
  }

  /**
   * Java reads no RFC 6874 {@code %25} in a zone: {@code [fe80::1%25eth0]} connects to zone {@code
   * 25eth0}, so it must not share a breaker with the {@code eth0} target.
   */
  @Test
  void aZoneAfterPercent25IsNotTheBareZone() {
    assertThat(CallTarget.canonicalHost("[fe80::1%25eth0]"))
        .isEqualTo("fe80::1%25eth0")
        .isNotEqualTo(CallTarget.canonicalHost("fe80::1%eth0"));
  }

  /**
   * A zone names a network interface, and Linux interface names are case-sensitive: {@code
   * fe80::1%ETH0} and {@code fe80::1%eth0} are two destinations, so only the address part is
   * spelled in lower case, and a policy naming one zone does not cover the other.
   */
  @Test
  void anIpv6ZoneKeepsItsCase() {
    assertThat(CallTarget.canonicalHost("[FE80::1%ETH0]")).isEqualTo("fe80::1%ETH0");
    assertThat(CallTarget.canonicalHost("[FE80::1%eth0]")).isEqualTo("fe80::1%eth0");
    assertThat(of("http://[FE80::1%25Eth0]:8080/x").key()).isEqualTo("[fe80::1%25Eth0]:8080");

    Glob eth0 = CallTarget.hostGlob("[FE80::0:1%eth0]");
    assertThat(eth0.matches(CallTarget.canonicalHost("fe80::1%eth0"))).isTrue();
    assertThat(eth0.matches(CallTarget.canonicalHost("FE80::1%eth0"))).isTrue();
    assertThat(eth0.matches(CallTarget.canonicalHost("fe80::1%ETH0"))).isFalse();
    assertThat(CallTarget.hostGlob("Payments.Internal").matches("payments.internal")).isTrue();
  }

  /**
   * A glob naming a zone covers that zone in its own case only, as a literal does: {@code
   * fe80::*%eth0} is the eth0 interface, not ETH0. The address part stays case-insensitive, and a
   * glob without a zone covers every zone.
   */
  @Test
  void aHostGlobNamingAZoneKeepsItsCase() {
    Glob eth0 = CallTarget.hostGlob("FE80::*%eth0");
    assertThat(eth0.matches(CallTarget.canonicalHost("[FE80::1%eth0]"))).isTrue();
    assertThat(eth0.matches(CallTarget.canonicalHost("fe80::1%ETH0"))).isFalse();
    assertThat(CallTarget.hostGlob("*%ETH0").matches(CallTarget.canonicalHost("fe80::2%ETH0")))
        .isTrue();
    assertThat(CallTarget.hostGlob("*%ETH0").matches(CallTarget.canonicalHost("fe80::2%eth0")))
        .isFalse();
    assertThat(CallTarget.hostGlob("fe80::1%eth*").matches("fe80::1%ETH0")).isFalse();
    assertThat(CallTarget.hostGlob("FE80::*").matches("fe80::1%ETH0")).isTrue();
    assertThat(CallTarget.hostGlob("*.Internal").matches("payments.internal")).isTrue();
  }

  /** What is no IPv6 literal keeps its text (in lower case, without outer brackets). */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        ":1",
        "1:",
        "1::2::3",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8",
        "1:2:3:4:5:6:7",
        "12345::1",
        "::g",
        "::1.2.3",
        "::1.2.3.256",
        "::01.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "payments:8080",
      })
  void leavesWhatIsNoIpv6LiteralAsItIs(String text) {
    assertThat(CallTarget.canonicalHost("[" + text + "]")).isEqualTo(text);
  }

  /** A policy's IPv6 host, in any spelling, covers the host in every other spelling. */
  @Test
  void anIpv6HostGlobMatchesTheLiteralInAnySpelling() {
    for (String pattern : List.of("[::1]", "0:0:0:0:0:0:0:1", "::0001")) {
      Glob glob = CallTarget.hostGlob(pattern);
      for (String host : List.of("::1", "[0:0:0:0:0:0:0:1]", "0::1")) {
        assertThat(glob.matches(CallTarget.canonicalHost(host)))
            .as("%s against %s", pattern, host)
            .isTrue();
      }
    }
    assertThat(CallTarget.hostGlob("FE80::*").matches("fe80::1")).isTrue();
    assertThat(CallTarget.hostGlob("Payments*").matches("payments.internal")).isTrue();
  }

  /**
   * An IPv4-mapped address is one target with the IPv4 address it maps, which Java connects to:
   * OkHttp hands the URL's host over as {@code 10.0.0.5}, the JDK client as {@code
   * [::ffff:10.0.0.5]}. A policy naming either spelling covers both.
   */
  @Test
  void anIpv4MappedAddressIsItsIpv4Address() {
    assertThat(of("http://[::ffff:10.0.0.5]:8080/x")).isEqualTo(of("http://10.0.0.5:8080/x"));
    assertThat(of("http://[::ffff:10.0.0.5]:8080/x").key()).isEqualTo("10.0.0.5:8080");
    for (String pattern : List.of("::ffff:10.0.0.5", "[::FFFF:a00:5]", "10.0.0.5")) {
      Glob glob = CallTarget.hostGlob(pattern);
      for (String host : List.of("10.0.0.5", "[::ffff:10.0.0.5]", "0:0:0:0:0:ffff:a00:5")) {
        assertThat(glob.matches(CallTarget.canonicalHost(host)))
            .as("%s against %s", pattern, host)
            .isTrue();
      }
    }
  }

  /**
   * An IPv6 glob in the brackets of a URL, as the port's refusal advises writing it, covers the
   * addresses it names: a call's host never has the brackets.
   */
  @Test
  void aBracketedIpv6GlobMatchesWithoutItsBrackets() {
    Glob glob = CallTarget.hostGlob("[FD00::*]");
    assertThat(glob.matches(CallTarget.canonicalHost("[fd00::5]"))).isTrue();
    assertThat(glob.matches(CallTarget.canonicalHost("fe80::1"))).isFalse();
    assertThat(CallTarget.hostGlob("[fe80::*%eth0]").matches("fe80::1%eth0")).isTrue();
    assertThat(CallTarget.hostGlob("[*]").matches("payments")).as("no IPv6 glob").isFalse();
  }

  /**
   * A fully qualified name's final dot (Kubernetes clients add it to skip the search domains) is
   * the same host: one target, covered by the globs that cover the name without it.
   */
  @Test
  void aFullyQualifiedNamesFinalDotIsTheSameHost() {
    assertThat(of("http://Payments.default.svc.cluster.local.:8080/pay"))
        .isEqualTo(of("http://payments.default.svc.cluster.local:8080/pay"));
    assertThat(CallTarget.canonicalHost("payments.")).isEqualTo("payments");
    assertThat(CallTarget.canonicalHost(".")).isEqualTo(".");
    for (String spelling : List.of("a..", "0:0::1.", "payments.", "[::1]", "Fe80::1%ETH0")) {
      String canonical = CallTarget.canonicalHost(spelling);
      assertThat(CallTarget.canonicalHost(canonical)).as(spelling).isEqualTo(canonical);
    }
    String host = CallTarget.canonicalHost("payments.default.svc.cluster.local.");
    for (String pattern :
        List.of(
            "*.svc.cluster.local",
            "*.svc.cluster.local.",
            "payments.default.svc.cluster.local",
            "payments.default.svc.cluster.local.")) {
      assertThat(CallTarget.hostGlob(pattern).matches(host)).as(pattern).isTrue();
    }
  }

  /** IPv6 globs that can match no host as it is spelled are refused when written. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "payments:*|holds a colon, so it can match only an IPv6 address, and 'p' is in none",
        "::ffff:10.0.0.*|is an IPv4-mapped IPv6 address, and calls to one are matched by the IPv4"
            + " address it maps: write '10.0.0.*' here",
        "2001:0db8::*|has the group '0db8', and hosts are matched in the RFC 5952 spelling of their"
            + " address, without leading zeros: write 'db8'",
        "[FD00:00::*]|has the group '00', and hosts are matched in the RFC 5952 spelling of their"
            + " address, without leading zeros: write '0'",
      })
  void refusesIpv6GlobsNoHostMatches(String glob, String problem) {
    assertThat(CallTarget.hostProblem(glob)).startsWith(problem);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "fd00::*",
        "[fd00::*]",
        "*:8080",
        "fe80::*%ETH0",
        "::ffff:*",
        "*.local.",
        "::ffff:10.0.0.*%eth0"
      })
  void acceptsIpv6GlobsThatCanMatch(String glob) {
    assertThat(CallTarget.hostProblem(glob)).isNull();
  }

  @Test
  void readsAHostWithAnUnderscoreFromTheAuthority() {
    assertThat(URI.create("http://payments_svc:9000/x").getHost()).isNull();
    assertThat(of("http://user@payments_svc:9000/x"))
        .isEqualTo(new CallTarget("payments_svc", 9000, "/x"));
    assertThat(of("http://Payments_Svc")).isEqualTo(new CallTarget("payments_svc", 80, "/"));
  }

  @Test
  void aUrlWithoutAHostHasNoTarget() {
    assertThat(of("mailto:ops@example.com")).isNull();
    assertThat(of("/relative/path")).isNull();
  }

  /** No URL names no target: the caller's call is not guarded, nothing is thrown. */
  @Test
  void aNullUrlHasNoTarget() {
    assertThat(CallTarget.of(null)).isNull();
  }
}

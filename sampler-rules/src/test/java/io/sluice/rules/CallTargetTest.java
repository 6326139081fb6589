package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

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

package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A service named {@code .} or {@code ..} is treated as one with a {@code /} ({@link
 * SluiceConfigServiceNameWithASlashTest}): etcd would take its keys ({@code
 * /sluice/v1/agents/../id}), but the control plane's URLs ({@code /api/v1/services/{service}/…})
 * are normalised by its servlet container, which drops such a segment, so the service could never
 * be looked at or given rules. Refused only with etcd endpoints, saying why; with a rules file, or
 * nothing, it is harmless: no rule document can be named so, so the file's {@code _default}
 * document applies, and one WARNING says why (tested beside the {@code /} names there).
 */
class SluiceConfigServiceNameDotSegmentTest {

  @ParameterizedTest(name = "otel.service.name={0}")
  @ValueSource(strings = {".", ".."})
  void withEtcdTheRefusalSaysWhyAndWhen(String name) {
    Map<String, String> environment =
        Map.of("SLUICE_ETCD_ENDPOINTS", "http://etcd:2379", "OTEL_SERVICE_NAME", name);

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(key -> null, environment::get)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Sluice configuration:\n"
                + "  - environment variable OTEL_SERVICE_NAME="
                + name
                + ": is a dot segment, refused because environment variable SLUICE_ETCD_ENDPOINTS"
                + " is set: the name is one segment of the etcd keys"
                + " {namespace}/v1/rules/{service} and"
                + " {namespace}/v1/agents/{service}/{instanceId}, and URLs read '"
                + name
                + "' as "
                + (name.equals(".") ? "this" : "the parent")
                + " directory and drop it, so the control plane's /api/v1/services/{service}/…"
                + " could never address the service (without etcd, a rules file takes the name"
                + " and applies its _default document)");
  }

  @ParameterizedTest(name = "serviceName({0})")
  @ValueSource(strings = {"...", ".orders", "orders..", "a..b"})
  void namesThatOnlyHoldDotsAreOneSegmentLikeAnyOther(String name) {
    assertThat(
            SluiceConfig.builder()
                .addEtcdEndpoint("http://etcd:2379")
                .serviceName(name)
                .build()
                .serviceName())
        .isEqualTo(name);
  }
}

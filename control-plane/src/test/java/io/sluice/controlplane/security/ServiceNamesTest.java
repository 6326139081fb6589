package io.sluice.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.controlplane.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceNamesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"orders", "_default", "a", "payments-v2.eu_1", "0abc", "default_", "OrderService"})
  void acceptsServiceNames(String name) {
    assertThat(ServiceNames.require(name)).isEqualTo(name);
    assertThat(ServiceNames.requireReported(name)).isEqualTo(name);
    assertThat(ServiceNames.canHaveOwnDocument(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "unknown_service:java", "-x", ".x", "_x", "a/b", "..", "a b", "a\u0000"})
  void refusesNamesThatCouldEscapeOrMisnameAKey(String name) {
    assertThatThrownBy(() -> ServiceNames.require(name))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("run the _default document");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"unknown_service:java", "-x", "...", ".x", "a b", "Payments V2", "\u00c4rger"})
  void readsTakeAnyNameAnAgentCanReportThoughItHasNoDocumentOfItsOwn(String name) {
    assertThat(ServiceNames.requireReported(name)).isEqualTo(name);
    assertThat(ServiceNames.canHaveOwnDocument(name)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a/b", "/", "orders/", ".", ".."})
  void readsRefuseNamesThatAreNoKeySegment(String name) {
    assertThatThrownBy(() -> ServiceNames.requireReported(name))
        .isInstanceOf(ApiException.class)
        .hasMessage("a service name is a non-blank name without '/', other than '.' and '..'");
  }
}

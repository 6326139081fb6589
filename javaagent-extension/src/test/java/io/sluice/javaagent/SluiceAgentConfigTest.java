package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SluiceAgentServiceNameTest {

  @Test
  void theServiceNameComesFromOtelServiceNameFirst() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of(
                        "otel.service.name", "orders",
                        "otel.resource.attributes", "service.name=ignored,team=a"))))
        .isEqualTo("orders");
  }

  @Test
  void elseFromTheResourceAttributesAsTheAgentNamesItsResource() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "team=a,service.name=payments"))))
        .isEqualTo("payments");
  }

  @Test
  void nullWhenNeitherNamesTheService() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "team=a"))))
        .isNull();
    assertThat(SluiceAgent.serviceName(DefaultConfigProperties.createFromMap(Map.of()))).isNull();
  }
}

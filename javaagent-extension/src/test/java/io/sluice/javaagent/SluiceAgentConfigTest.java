package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SluiceAgentConfigTest {

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

  @Test
  void aSamplerTheUserSetIsExplainedOnce() {
    assertThat(
            SluiceAgent.userSamplerNotice(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.traces.sampler", "parentbased_always_on"))))
        .contains("otel.traces.sampler=parentbased_always_on")
        .contains("sampling rules do not apply");
    assertThat(
            SluiceAgent.userSamplerNotice(
                DefaultConfigProperties.createFromMap(Map.of("otel.traces.sampler", "sluice"))))
        .isNull();
    assertThat(SluiceAgent.userSamplerNotice(DefaultConfigProperties.createFromMap(Map.of())))
        .isNull();
  }
}

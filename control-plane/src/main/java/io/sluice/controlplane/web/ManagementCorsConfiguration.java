package io.sluice.controlplane.web;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.context.annotation.Bean;

/**
 * CORS refusals as problem details on a separate management port ({@code management.server.port}):
 * the actuator then runs in a context of its own, which {@link WebConfiguration}'s post-processor
 * does not reach, so its refusals were Spring's plain-text 403 {@code Invalid CORS request}.
 *
 * <p>Imported by the actuator into the management context ({@code
 * META-INF/spring/...ManagementContextConfiguration.imports}). Deliberately neither a
 * {@code @Configuration} nor a {@code @ManagementContextConfiguration}: either would also be picked
 * up by the application's component scan. Without the annotation the actuator imports it into
 * whichever context serves the actuator, the application's own too when the port is shared, hence
 * the condition.
 */
class ManagementCorsConfiguration {

  /** Static: a post-processor is made before the configuration it is declared in. */
  @Bean
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  static BeanPostProcessor managementProblemCorsRefusals() {
    return WebConfiguration.problemCorsRefusals();
  }
}

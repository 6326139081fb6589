package io.sluice.controlplane.security;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * The admin token check of the actuator endpoints ({@link ActuatorTokenFilter}) on a separate
 * management port ({@code management.server.port}): the actuator then runs in a context of its own,
 * with a Tomcat of its own, which the application's filters do not reach, and an endpoint exposed
 * beyond health and Prometheus answered anyone there. That port binds where the application's does
 * unless {@code management.server.address} says otherwise, so it is no more private than the API.
 *
 * <p>Imported by the actuator into the management context ({@code
 * META-INF/spring/...ManagementContextConfiguration.imports}), as {@code
 * web.ManagementServerConfiguration}, and for the same reasons neither a {@code @Configuration} nor
 * a {@code @ManagementContextConfiguration}; the condition keeps it out of the application's own
 * context, where {@link SecurityConfiguration} registers the check. The tokens are the
 * application's ({@link TokenRegistry} from the parent context).
 */
class ManagementTokenConfiguration {

  @Bean
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  FilterRegistrationBean<ActuatorTokenFilter> managementActuatorTokenFilter(
      TokenRegistry tokens, ObjectProvider<PathMappedEndpoints> endpoints) {
    return SecurityConfiguration.actuatorTokenFilter(tokens, endpoints);
  }
}

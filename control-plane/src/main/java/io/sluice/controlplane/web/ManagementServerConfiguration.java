package io.sluice.controlplane.web;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * What {@link WebConfiguration} does for every answer of the application's port, on a separate
 * management port ({@code management.server.port}) too: the actuator then runs in a context of its
 * own, with a Tomcat of its own, which the application context's customizers, filters and
 * post-processors do not reach. Without this, its CORS refusals were Spring's plain-text 403 {@code
 * Invalid CORS request}, Tomcat's own refusals (an encoded {@code /}) its HTML error page, and no
 * answer carried the security headers.
 *
 * <p>Imported by the actuator into the management context ({@code
 * META-INF/spring/...ManagementContextConfiguration.imports}). Deliberately neither a
 * {@code @Configuration} nor a {@code @ManagementContextConfiguration}: either would also be picked
 * up by the application's component scan. Without the annotation the actuator imports it into
 * whichever context serves the actuator, the application's own too when the port is shared, hence
 * the conditions.
 */
class ManagementServerConfiguration {

  /** Static: a post-processor is made before the configuration it is declared in. */
  @Bean
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  static BeanPostProcessor managementProblemCorsRefusals() {
    return WebConfiguration.problemCorsRefusals();
  }

  @Bean
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> managementProblemErrorReports() {
    return WebConfiguration.problemErrorReports();
  }

  @Bean
  @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
  FilterRegistrationBean<SecurityHeadersFilter> managementSecurityHeadersFilter() {
    return WebConfiguration.securityHeadersFilter();
  }
}

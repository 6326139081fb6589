package io.sluice.controlplane.security;

import io.sluice.controlplane.EventSettings;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Puts the token check in front of the API. A small interceptor rather than Spring Security: the
 * model is one bearer token per caller and three ordered roles, and an interceptor lets 401/403
 * flow through the same problem-details advice as every other error.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration implements WebMvcConfigurer {

  private final SecuritySettings settings;
  private final TokenRegistry tokens;
  private final EventTickets tickets;

  SecurityConfiguration(SecuritySettings settings, EventSettings eventSettings) {
    this.settings = settings;
    this.tokens = TokenRegistry.from(settings);
    this.tickets = new EventTickets(eventSettings, EventTickets.MAX_OUTSTANDING, System::nanoTime);
  }

  @Bean
  TokenRegistry tokenRegistry() {
    return tokens;
  }

  @Bean
  EventTickets eventTickets() {
    return tickets;
  }

  /**
   * The admin token check of the actuator endpoints beyond health and Prometheus: after the
   * security headers ({@code Ordered.HIGHEST_PRECEDENCE}), so its refusals carry them too. Only
   * where this server serves the actuator: with a separate management port ({@link
   * ManagementTokenConfiguration} checks there) an actuator path here leads nowhere, and asked an
   * anonymous caller for a token (401) where an admin got the 404 that any caller should.
   */
  @Bean
  @ConditionalOnManagementPort(ManagementPortType.SAME)
  FilterRegistrationBean<ActuatorTokenFilter> actuatorTokenFilter(
      ObjectProvider<PathMappedEndpoints> endpoints) {
    return actuatorTokenFilter(tokens, endpoints);
  }

  /**
   * The admin token check's registration, for the application's server and for a separate
   * management port's ({@link ManagementTokenConfiguration}) alike.
   */
  static FilterRegistrationBean<ActuatorTokenFilter> actuatorTokenFilter(
      TokenRegistry tokens, ObjectProvider<PathMappedEndpoints> endpoints) {
    FilterRegistrationBean<ActuatorTokenFilter> registration =
        new FilterRegistrationBean<>(new ActuatorTokenFilter(tokens, endpoints::getIfAvailable));
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
    return registration;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(new TokenInterceptor(tokens, tickets, settings.openReads()))
        .addPathPatterns("/api/**")
        .excludePathPatterns("/api/v1/openapi.json");
  }
}

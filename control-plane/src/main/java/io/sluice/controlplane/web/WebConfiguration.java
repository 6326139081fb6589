package io.sluice.controlplane.web;

import org.apache.catalina.Lifecycle;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;

/**
 * Request limits of the API, security headers on every response, and Tomcat's own errors and CORS
 * refusals as problem details.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

  /**
   * Before the token check: a path that names another service than it seems, and a request that
   * gives a parameter or its token twice, are refused first.
   */
  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(new PathParameterInterceptor())
        .addPathPatterns("/api/**")
        .order(Ordered.HIGHEST_PRECEDENCE);
    registry
        .addInterceptor(new RepeatedInputInterceptor())
        .addPathPatterns("/api/**")
        .order(Ordered.HIGHEST_PRECEDENCE + 1);
    // after the token check: a caller without a valid token hears 401, not what its body lacks
    registry
        .addInterceptor(new ContentCodingInterceptor())
        .addPathPatterns("/api/**")
        .order(Ordered.LOWEST_PRECEDENCE);
    registry
        .addInterceptor(new WildcardContentTypeInterceptor())
        .addPathPatterns("/api/**")
        .order(Ordered.LOWEST_PRECEDENCE);
  }

  @Bean
  FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter() {
    FilterRegistrationBean<BodySizeLimitFilter> registration =
        new FilterRegistrationBean<>(new BodySizeLimitFilter());
    // every request: the filter tells the API's by the path Spring MVC matches (ApiRequests), which
    // a URL pattern cannot under a servlet prefix (spring.mvc.servlet.path), where it is /mvc/api/
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    return registration;
  }

  /** Every request: an {@code Accept} header that does not parse is disregarded. */
  @Bean
  FilterRegistrationBean<MalformedAcceptFilter> malformedAcceptFilter() {
    FilterRegistrationBean<MalformedAcceptFilter> registration =
        new FilterRegistrationBean<>(new MalformedAcceptFilter());
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
    return registration;
  }

  /**
   * Tomcat's own refusals as problem details ({@link ProblemErrorReportValve}). Installed when the
   * context starts: by then the host has added its default valve, and Spring Boot its own. Static,
   * as {@link #securityHeadersFilter}: a separate management server uses them too ({@link
   * ManagementServerConfiguration}).
   */
  @Bean
  static WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
    return factory ->
        factory.addContextCustomizers(
            context ->
                context.addLifecycleListener(
                    event -> {
                      if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                        ProblemErrorReportValve.install(context.getParent());
                      }
                    }));
  }

  /**
   * Paths may hold an encoded backslash ({@code %5C}): a service name may have one (only {@code /}
   * splits an etcd key), and the services list shows such a service, so its pages must answer.
   * Tomcat decoded {@code %5C} and then refused the backslash with 400; left encoded, Spring
   * decodes it into the path variable as it does any other escape.
   */
  @Bean
  static WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedBackslashesInPaths() {
    return factory ->
        factory.addConnectorCustomizers(
            connector -> connector.setEncodedReverseSolidusHandling("passthrough"));
  }

  @Bean
  static FilterRegistrationBean<SecurityHeadersFilter> securityHeadersFilter() {
    FilterRegistrationBean<SecurityHeadersFilter> registration =
        new FilterRegistrationBean<>(new SecurityHeadersFilter());
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  /**
   * CORS refusals as problem details ({@link ProblemCorsProcessor}), from every handler mapping
   * that checks CORS: the actuator's, where {@code management.endpoints.web.cors.*} applies (on a
   * separate management port: {@link ManagementServerConfiguration}). Static: a post-processor is
   * made before the configuration it is declared in.
   */
  @Bean
  static BeanPostProcessor problemCorsRefusals() {
    ProblemCorsProcessor processor = new ProblemCorsProcessor();
    return new BeanPostProcessor() {
      @Override
      public Object postProcessBeforeInitialization(Object bean, String name) {
        if (bean instanceof AbstractHandlerMapping mapping) {
          mapping.setCorsProcessor(processor);
        }
        return bean;
      }
    };
  }
}

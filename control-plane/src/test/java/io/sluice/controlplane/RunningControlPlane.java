package io.sluice.controlplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real control plane application started in the test JVM on a free port, closed to simulate a
 * restart. Started with {@link SpringApplicationBuilder} rather than {@code @SpringBootTest}:
 * Spring Framework 7's JUnit extension needs JUnit 6, and the reactor is specified on JUnit 5.
 */
final class RunningControlPlane implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  private RunningControlPlane(ConfigurableApplicationContext context) {
    this.context = context;
  }

  static RunningControlPlane start(Map<String, String> properties) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--server.address=127.0.0.1");
    args.add("--server.tomcat.basedir=" + TomcatBaseDirs.next());
    properties.forEach((k, v) -> args.add("--" + k + "=" + v));
    return new RunningControlPlane(
        new SpringApplicationBuilder(ControlPlaneApplication.class)
            .run(args.toArray(String[]::new)));
  }

  int port() {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /** The port of a separate management server ({@code management.server.port=0}). */
  int managementPort() {
    return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.management.port"));
  }

  ApiClient api() {
    return new ApiClient(port());
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  <T> T bean(String name, Class<T> type) {
    return context.getBean(name, type);
  }

  @Override
  public void close() {
    context.close();
  }
}

package io.sluice.controlplane;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The Sluice control plane: a REST API over the rule documents in etcd, their history, and the live
 * inventory of agents. Run it with {@code java -jar sluice-control-plane.jar
 * --sluice.etcd.endpoints=http://127.0.0.1:2379}; without endpoints it starts a local etcd.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ControlPlaneApplication {

  /** Starts the control plane. */
  public static void main(String[] args) {
    SpringApplication.run(ControlPlaneApplication.class, args);
  }

  /** The time source of history entries; a bean so tests can fix it. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

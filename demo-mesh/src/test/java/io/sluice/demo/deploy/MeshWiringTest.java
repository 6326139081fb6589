package io.sluice.demo.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.demo.deploy.ComposeFile.PublishedPort;
import io.sluice.demo.deploy.ComposeFile.Service;
import io.sluice.demo.deploy.Sidecar.HostPort;
import io.sluice.demo.deploy.Sidecar.ListenerInfo;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Envoy configs and docker-compose.yml agree: each sidecar joins its own service, forwards its
 * ingress to the port the app listens on, offers an egress listener for exactly the URLs the app
 * calls, and sends those to the callee's sidecar ingress; the ports compose publishes are the ones
 * Envoy listens on; spans go to the Jaeger that compose runs.
 */
class MeshWiringTest {
  private static ComposeFile compose;
  private static final Map<String, Sidecar> sidecars = new HashMap<>();

  @BeforeAll
  static void load() throws Exception {
    compose = ComposeFile.load(RepositoryFiles.root().resolve("docker-compose.yml"));
    for (String service : EnvoyConfigTest.SERVICES) {
      sidecars.put(service, Sidecar.of(EnvoyBootstrap.parse(EnvoyConfigTest.read(service))));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gateway", "orders", "payments", "inventory"})
  void theSidecarJoinsItsServiceAndForwardsIngressToThePortTheAppListensOn(String name) {
    Service app = compose.service(name);
    Service envoy = compose.service(name + "-envoy");
    Sidecar sidecar = sidecars.get(name);

    Service pod = compose.service(name + "-net");
    assertThat(envoy.networkMode()).isEqualTo("service:" + name + "-net");
    assertThat(app.networkMode()).isEqualTo("service:" + name + "-net");
    assertThat(envoy.volumes())
        .containsExactly("./demo-mesh/envoy/" + name + ".yaml:/etc/envoy/envoy.yaml:ro");
    assertThat(String.join(" ", envoy.command())).contains("-c /etc/envoy/envoy.yaml");

    int appPort = Integer.parseInt(app.flag("port"));
    assertThat(app.flag("host")).as(name + " listens on loopback only").isEqualTo("127.0.0.1");
    assertThat(sidecar.clusters().get("local_app"))
        .containsExactly(new HostPort("127.0.0.1", appPort));
    assertThat(app.healthCheck()).contains("/dev/tcp/127.0.0.1/" + appPort + " ");

    int ingress = sidecar.listeners().get("ingress").address().port();
    assertThat(pod.ports())
        .as(name + "'s pod publishes its sidecar's ingress and admin")
        .extracting(PublishedPort::containerPort)
        .containsExactlyInAnyOrder(ingress, sidecar.adminPort());
    assertThat(envoy.healthCheck()).contains("/dev/tcp/127.0.0.1/" + sidecar.adminPort() + " ");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gateway", "orders", "payments", "inventory"})
  void theAppCallsItsDependenciesOnlyThroughEgressListenersThatReachTheCalleesSidecar(String name) {
    Service app = compose.service(name);
    Sidecar sidecar = sidecars.get(name);
    Map<String, Integer> egressByCallee = new HashMap<>();
    sidecar
        .listeners()
        .forEach(
            (listenerName, listener) -> {
              if (listenerName.startsWith("egress_")) {
                String callee = listenerName.substring("egress_".length());
                assertThat(listener.routedClusters()).containsExactly(callee);
                egressByCallee.put(callee, listener.address().port());
              }
            });

    for (String callee : EnvoyConfigTest.SERVICES) {
      String url = app.flag(callee + "-url");
      if (url == null) {
        assertThat(egressByCallee)
            .as(name + " has no egress to " + callee)
            .doesNotContainKey(callee);
        continue;
      }
      URI target = URI.create(url);
      assertThat(target.getHost())
          .as(name + " calls " + callee + " through its sidecar")
          .isEqualTo("127.0.0.1");
      assertThat(egressByCallee)
          .as(name + " egress listener for " + callee)
          .containsEntry(callee, target.getPort());
      ListenerInfo calleeIngress = sidecars.get(callee).listeners().get("ingress");
      assertThat(sidecar.clusters().get(callee))
          .as(name + "'s cluster " + callee + " reaches " + callee + "'s sidecar ingress")
          .containsExactly(new HostPort(callee, calleeIngress.address().port()));
      assertThat(compose.service(callee + "-net").networkAliases())
          .as(callee + "'s pod answers to " + callee)
          .contains(callee);
      assertThat(app.dependsOn()).containsEntry(callee + "-envoy", "service_healthy");
    }
    assertThat(egressByCallee.keySet())
        .as(name + " egress listeners without a matching --<callee>-url")
        .allSatisfy(callee -> assertThat(app.flag(callee + "-url")).isNotNull());
  }

  @Test
  void theExpectedCallGraph() {
    assertThat(compose.service("gateway").flag("orders-url")).isNotNull();
    assertThat(compose.service("orders").flag("payments-url")).isNotNull();
    assertThat(compose.service("orders").flag("inventory-url")).isNotNull();
  }

  @Test
  void envoySendsSpansToTheJaegerOfComposeInZipkinMode() {
    assertThat(compose.service("jaeger").environment())
        .containsEntry("COLLECTOR_ZIPKIN_HOST_PORT", ":9411");
    for (Sidecar sidecar : sidecars.values()) {
      assertThat(sidecar.tracingClusters()).containsExactly("jaeger_zipkin");
      assertThat(sidecar.clusters().get("jaeger_zipkin"))
          .containsExactly(new HostPort("jaeger", 9411));
    }
  }

  @Test
  void theLoadGeneratorEntersTheMeshThroughTheGatewaysSidecar() {
    URI target = URI.create(compose.service("loadgen").flag("target"));

    assertThat(target.getHost()).isEqualTo("gateway");
    assertThat(compose.service("gateway-net").networkAliases()).contains("gateway");
    assertThat(target.getPort())
        .isEqualTo(sidecars.get("gateway").listeners().get("ingress").address().port());
    assertThat(compose.service("loadgen").dependsOn())
        .containsEntry("gateway-envoy", "service_healthy");
  }
}

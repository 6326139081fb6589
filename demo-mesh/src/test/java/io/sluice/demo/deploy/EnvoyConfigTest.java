package io.sluice.demo.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.sluice.demo.deploy.Sidecar.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every sidecar config in {@code demo-mesh/envoy/} is a valid Envoy v3 bootstrap by Envoy's own API
 * definitions, and hangs together: routes and tracers name clusters that exist, ports do not clash,
 * the ingress and admin are where docker-compose.yml expects them.
 */
class EnvoyConfigTest {
  static final String[] SERVICES = {"gateway", "orders", "payments", "inventory"};

  @ParameterizedTest(name = "{0}.yaml")
  @ValueSource(strings = {"gateway", "orders", "payments", "inventory"})
  void parsesStrictlyAsAnEnvoyV3BootstrapWithEveryReferenceResolved(String service)
      throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(read(service));

    assertThat(Sidecar.referenceProblems(bootstrap)).isEmpty();
    Sidecar sidecar = Sidecar.of(bootstrap);
    assertThat(sidecar.adminPort()).isEqualTo(9901);
    assertThat(sidecar.listeners()).containsKey("ingress");
    Sidecar.ListenerInfo ingress = sidecar.listeners().get("ingress");
    assertThat(ingress.address()).isEqualTo(new HostPort("0.0.0.0", 10000));
    assertThat(ingress.inbound()).isTrue();
    assertThat(ingress.routedClusters()).containsExactly("local_app");
    assertThat(sidecar.clusters().get("local_app"))
        .singleElement()
        .satisfies(app -> assertThat(app.host()).isEqualTo("127.0.0.1"));
    sidecar
        .listeners()
        .forEach(
            (name, listener) ->
                // the edge's ingress does not trace: the gateway's agent starts every trace, so
                // its sampling rules decide (an Envoy starting a trace would mark it sampled)
                assertThat(listener.tracedWithZipkin())
                    .as(name)
                    .isEqualTo(!(service.equals("gateway") && name.equals("ingress"))));
    // inside the mesh the app continues from Envoy's B3 span, not the caller's traceparent
    assertThat(ingress.removedRequestHeaders())
        .isEqualTo(service.equals("gateway") ? Set.of() : Set.of("traceparent", "tracestate"));
    sidecar
        .listeners()
        .forEach(
            (name, listener) -> {
              if (!name.equals("ingress")) {
                // Egress listeners are for the app only, never reachable from outside the pod.
                assertThat(listener.address().host()).as(name).isEqualTo("127.0.0.1");
                assertThat(listener.inbound()).as(name).isFalse();
              }
            });
    assertThat(sidecar.clusters().get("jaeger_zipkin"))
        .containsExactly(new HostPort("jaeger", 9411));
    assertThat(bootstrap.getNode().getCluster()).isEqualTo(service + "-envoy");
  }

  static Stream<Arguments> brokenConfigs() {
    return Stream.of(
        Arguments.of(
            "a misspelled top-level field",
            "static_resources:",
            "static_resource:",
            "static_resource"),
        Arguments.of(
            "a misspelled field inside a typed_config Any",
            "stat_prefix: ingress_http",
            "stat_prefx: ingress_http",
            "stat_prefx"),
        Arguments.of(
            "a misspelled field of the Zipkin tracer",
            "collector_endpoint_version:",
            "collector_endpoint_versoin:",
            "collector_endpoint_versoin"),
        Arguments.of(
            "an unknown enum value",
            "traffic_direction: INBOUND",
            "traffic_direction: INWARD",
            "INWARD"),
        Arguments.of(
            "an unknown @type",
            "envoy.config.trace.v3.ZipkinConfig",
            "envoy.config.trace.v3.ZipkinConfg",
            "ZipkinConfg"),
        Arguments.of(
            "a string where a port number belongs",
            "port_value: 9901",
            "port_value: admin",
            "admin"));
  }

  @ParameterizedTest(name = "rejects {0}")
  @MethodSource("brokenConfigs")
  void rejectsWhatEnvoyWouldReject(String what, String good, String bad, String named)
      throws Exception {
    String config = read("gateway");
    assertThat(config).contains(good);

    assertThatThrownBy(() -> EnvoyBootstrap.parse(config.replaceFirst(Pattern.quote(good), bad)))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining(named);
  }

  @Test
  void findsARouteToAClusterThatDoesNotExist() throws Exception {
    String config = read("gateway").replace("cluster: orders\n", "cluster: orderz\n");

    assertThat(Sidecar.referenceProblems(EnvoyBootstrap.parse(config)))
        .containsExactly("listener egress_orders routes to unknown cluster 'orderz'");
  }

  @Test
  void findsTwoListenersOnOnePort() throws Exception {
    String config = read("orders").replace("port_value: 15083", "port_value: 15082");

    assertThat(Sidecar.referenceProblems(EnvoyBootstrap.parse(config)))
        .containsExactly("listener egress_inventory reuses port 15082");
  }

  @Test
  void findsATracerWithoutItsCollectorCluster() throws Exception {
    String config =
        read("payments").replace("collector_cluster: jaeger_zipkin", "collector_cluster: zipkin");

    assertThat(Sidecar.referenceProblems(EnvoyBootstrap.parse(config)))
        .containsExactly("tracer sends to unknown cluster 'zipkin'");
  }

  static String read(String service) throws IOException {
    return Files.readString(envoyDir().resolve(service + ".yaml"));
  }

  static Path envoyDir() {
    return RepositoryFiles.root().resolve("demo-mesh/envoy");
  }
}

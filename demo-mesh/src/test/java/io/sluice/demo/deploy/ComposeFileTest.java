package io.sluice.demo.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.demo.deploy.ComposeFile.PublishedPort;
import io.sluice.demo.deploy.ComposeFile.Service;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code docker-compose.yml} without Docker: it parses, every image is pinned or built from a
 * Dockerfile that copies only jars the Maven build produces, dependencies name existing services
 * and wait only on health checks that exist, nothing depends on itself in a circle, and the
 * published host ports neither clash nor leave loopback.
 */
class ComposeFileTest {
  /** The artifacts of ARCHITECTURE.md that the images may copy. */
  static final Set<String> BUILT_JARS =
      Set.of(
          "demo-mesh/target/sluice-demo.jar",
          "javaagent-extension/target/sluice-javaagent.jar",
          "control-plane/target/sluice-control-plane.jar");

  static final Set<String> CONDITIONS =
      Set.of("service_started", "service_healthy", "service_completed_successfully");

  private static final Pattern COPY = Pattern.compile("(?m)^\\s*(?:COPY|ADD)\\s+(.+)$");
  private static final Pattern FROM = Pattern.compile("(?m)^\\s*FROM\\s+(\\S+)");

  private static Path root;
  private static ComposeFile compose;

  @BeforeAll
  static void load() throws IOException {
    root = RepositoryFiles.root();
    compose = ComposeFile.load(root.resolve("docker-compose.yml"));
  }

  @Test
  void definesTheWholeMesh() {
    assertThat(compose.services().keySet())
        .containsExactlyInAnyOrder(
            "etcd",
            "jaeger",
            "control-plane",
            "gateway-net",
            "gateway",
            "gateway-envoy",
            "orders-net",
            "orders",
            "orders-envoy",
            "payments-net",
            "payments",
            "payments-envoy",
            "inventory-net",
            "inventory",
            "inventory-envoy",
            "loadgen");
  }

  @Test
  void everyServiceHasAPinnedImageOrABuild() {
    Map<String, String> builtBy = new HashMap<>();
    for (Service service : compose.services().values()) {
      if (!service.build().isEmpty()) {
        // Compose builds every build section at once: two tagging one image fail a first build
        assertThat(builtBy.put(service.image(), service.name()))
            .as(service.name() + ": " + service.image() + " is built by one service only")
            .isNull();
      }
    }
    for (Service service : compose.services().values()) {
      if (service.build().isEmpty()) {
        assertThat(service.image()).as(service.name() + " image").isNotNull();
        if (!builtBy.containsKey(service.image())) { // else that service's build makes it
          assertPinned(service.name(), service.image());
        }
      } else {
        assertThat(service.image())
            .as(service.name() + ": a built image is named local, never pulled")
            .endsWith(":local");
      }
    }
  }

  @Test
  void everyBuildUsesADockerfileThatCopiesOnlyJarsTheBuildProduces() throws IOException {
    String dockerignore = Files.readString(root.resolve(".dockerignore"));
    Set<String> dockerfiles = new HashSet<>();
    for (Service service : compose.services().values()) {
      if (service.build().isEmpty()) {
        continue;
      }
      Path context = root.resolve(String.valueOf(service.build().get("context"))).normalize();
      assertThat(context).as(service.name() + " build context").isDirectory();
      Path dockerfile =
          context.resolve(String.valueOf(service.build().getOrDefault("dockerfile", "Dockerfile")));
      assertThat(dockerfile).as(service.name() + " Dockerfile").isRegularFile();
      dockerfiles.add(root.relativize(dockerfile).toString());

      String text = Files.readString(dockerfile);
      Matcher from = FROM.matcher(text);
      assertThat(from.find()).as(dockerfile + " has a FROM").isTrue();
      do {
        assertPinned(dockerfile.toString(), from.group(1));
      } while (from.find());
      List<String> sources = copySources(text);
      assertThat(sources).as(dockerfile + " copies").isNotEmpty();
      for (String source : sources) {
        String relative = root.relativize(context.resolve(source).normalize()).toString();
        assertThat(BUILT_JARS).as(dockerfile + " copies " + source).contains(relative);
        assertThat(dockerignore)
            .as(".dockerignore lets " + relative + " into the build context")
            .contains("!" + relative);
      }
    }
    assertThat(dockerfiles)
        .containsExactlyInAnyOrder(
            "demo-mesh/docker/demo.Dockerfile", "demo-mesh/docker/control-plane.Dockerfile");
  }

  @Test
  void theDemoJarIsWhereTheDockerfileCopiesItFrom() throws IOException {
    // The shade plugin replaces the main artifact: target/<finalName>.jar.
    assertThat(Files.readString(root.resolve("demo-mesh/pom.xml")))
        .contains("<finalName>sluice-demo</finalName>");
  }

  @Test
  void dependenciesNameExistingServicesAndWaitOnlyForHealthChecksThatExist() {
    Map<String, Service> services = compose.services();
    for (Service service : services.values()) {
      service
          .dependsOn()
          .forEach(
              (dependency, condition) -> {
                String what = service.name() + " depends on " + dependency;
                assertThat(services).as(what).containsKey(dependency);
                assertThat(CONDITIONS).as(what + " with condition").contains(condition);
                if (condition.equals("service_healthy")) {
                  assertThat(services.get(dependency).healthCheck())
                      .as(what + " being healthy, so it needs a health check")
                      .isNotBlank();
                }
              });
    }
  }

  @Test
  void comesUpInAnOrderWithoutCycles() {
    Map<String, Service> services = compose.services();
    List<String> order = new ArrayList<>();
    Set<String> visiting = new HashSet<>();
    for (String name : services.keySet()) {
      visit(name, services, visiting, order);
    }
    assertThat(order.indexOf("etcd")).isLessThan(order.indexOf("control-plane"));
    assertThat(order.indexOf("payments-envoy")).isLessThan(order.indexOf("orders"));
    assertThat(order.indexOf("orders-envoy")).isLessThan(order.indexOf("gateway"));
    assertThat(order.indexOf("gateway-envoy")).isLessThan(order.indexOf("loadgen"));
  }

  @Test
  void everyAppAndSidecarHasAHealthCheck() {
    for (Service service : compose.services().values()) {
      if (service.name().equals("loadgen")
          || service.name().equals("jaeger")
          || service.name().endsWith("-net")) {
        continue; // loadgen is a client; jaeger is only waited for to start (its image has no
        // shell); a pod's network owner runs nothing but sleep
      }
      assertThat(service.healthCheck()).as(service.name() + " health check").isNotBlank();
    }
  }

  /**
   * The checks that speak HTTP through bash's {@code /dev/tcp} send a whole HTTP/1.1 request: Envoy
   * answers HTTP/1.0 with 426 Upgrade Required (its admin port too, which no setting changes), so a
   * sidecar checked that way would never be healthy and nothing behind it would start; HTTP/1.1
   * needs a Host header, and {@code Connection: close} lets the server end it.
   */
  @Test
  void httpHealthChecksSendHttp11RequestsEnvoyAccepts() {
    Pattern printf = Pattern.compile("printf '([^']*)'");
    int checked = 0;
    for (Service service : compose.services().values()) {
      String check = service.healthCheck();
      if (check == null || !check.contains("/dev/tcp/")) {
        continue;
      }
      Matcher matcher = printf.matcher(check);
      assertThat(matcher.find()).as(service.name() + " sends its request with printf").isTrue();
      String request = matcher.group(1).replace("\\r\\n", "\n");
      List<String> lines = List.of(request.split("\n", -1));
      assertThat(lines.get(0)).as(service.name()).matches("GET /\\S* HTTP/1\\.1");
      assertThat(lines).as(service.name()).contains("Host: localhost", "Connection: close");
      assertThat(request).as(service.name() + " ends its headers").endsWith("\n\n");
      checked++;
    }
    assertThat(checked).as("the four sidecars, four apps and the control plane").isEqualTo(9);
  }

  @Test
  void sidecarsJoinAnExistingServicesNetworkAndPublishNothingThemselves() {
    Map<String, Service> services = compose.services();
    for (Service service : services.values()) {
      String mode = service.networkMode();
      if (mode == null) {
        continue;
      }
      assertThat(mode).as(service.name() + " network_mode").startsWith("service:");
      String owner = mode.substring("service:".length());
      assertThat(services).as(service.name() + " joins " + owner).containsKey(owner);
      assertThat(services.get(owner).networkMode())
          .as(owner + " owns its network namespace")
          .isNull();
      assertThat(service.body())
          .as(service.name() + " cannot publish ports")
          .doesNotContainKey("ports");
      assertThat(service.dependsOn())
          .as(service.name() + " starts after " + owner)
          .containsKey(owner);
    }
  }

  /**
   * A pod's network namespace belongs to a container that runs nothing but sleep, and the app and
   * its sidecar join it: a namespace is made anew when its owner restarts, and those that joined it
   * do not follow. Owned by the app, an app restarted by Docker's restart policy (not by Compose,
   * whose {@code depends_on.restart} hears only of its own restarts) left its Envoy in the old one:
   * no listener behind the published ports, every health check green.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gateway", "orders", "payments", "inventory"})
  void eachPodsNetworkBelongsToAContainerThatOnlySleeps(String name) {
    Service owner = compose.service(name + "-net");
    assertThat(owner.body().get("entrypoint")).isEqualTo(List.of("sleep", "infinity"));
    assertThat(owner.body().get("init")).as("sleep stops at a SIGTERM").isEqualTo(true);
    assertThat(owner.body().get("restart")).isEqualTo("unless-stopped");
    assertThat(owner.networkAliases())
        .as("the sidecar answers to the service's name")
        .contains(name);
    assertThat(compose.service(name).networkMode()).isEqualTo("service:" + name + "-net");
    assertThat(compose.service(name + "-envoy").networkMode())
        .isEqualTo("service:" + name + "-net");
  }

  @Test
  void publishedHostPortsAreUniqueAndOnLoopbackOnly() {
    Map<Integer, String> taken = new HashMap<>();
    for (Service service : compose.services().values()) {
      Set<Integer> containerPorts = new HashSet<>();
      for (PublishedPort port : service.ports()) {
        assertThat(port.ip()).as(service.name() + " publishes " + port).isEqualTo("127.0.0.1");
        String previous = taken.put(port.hostPort(), service.name());
        assertThat(previous)
            .as("host port " + port.hostPort() + " of " + service.name() + " already taken")
            .isNull();
        assertThat(containerPorts.add(port.containerPort()))
            .as(service.name() + " publishes container port " + port.containerPort() + " twice")
            .isTrue();
      }
    }
    assertThat(taken)
        .containsEntry(8080, "gateway-net")
        .containsEntry(8090, "control-plane")
        .containsEntry(16686, "jaeger");
  }

  @Test
  void mountedFilesAndNamedVolumesExist() {
    for (Service service : compose.services().values()) {
      for (String volume : service.volumes()) {
        String source = volume.split(":")[0];
        if (source.startsWith(".") || source.startsWith("/")) {
          assertThat(root.resolve(source).normalize()).as(service.name() + " mounts").exists();
        } else {
          assertThat(compose.volumes()).as(service.name() + " volume").containsKey(source);
        }
      }
    }
  }

  @Test
  void theServicesRunWithTheAgentNamedAfterThemselvesAndReachEtcdAndJaeger() {
    for (String name : EnvoyConfigTest.SERVICES) {
      Service service = compose.service(name);
      Map<String, String> environment = service.environment();
      assertThat(service.command().get(0)).as(name + " command").isEqualTo(name);
      assertThat(environment)
          .as(name + " environment")
          .containsEntry("OTEL_SERVICE_NAME", name)
          .containsEntry("JAVA_TOOL_OPTIONS", "-javaagent:/app/sluice-javaagent.jar")
          .containsEntry("OTEL_METRICS_EXPORTER", "none")
          .containsEntry("OTEL_LOGS_EXPORTER", "none");
      URI etcd = URI.create(environment.get("SLUICE_ETCD_ENDPOINTS"));
      assertThat(compose.services()).containsKey(etcd.getHost());
      assertThat(compose.service(etcd.getHost()).command())
          .contains("--listen-client-urls=http://0.0.0.0:" + etcd.getPort());
      assertThat(service.dependsOn()).containsEntry(etcd.getHost(), "service_healthy");
      URI otlp = URI.create(environment.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
      assertThat(otlp.getHost()).isEqualTo("jaeger");
      assertThat(otlp.getPort()).as("Jaeger's OTLP/HTTP port").isEqualTo(4318);
      assertThat(compose.service("jaeger").environment())
          .containsEntry("COLLECTOR_OTLP_ENABLED", "true");
    }
    assertThat(compose.service("loadgen").environment())
        .as("the load generator is a plain client, without the agent")
        .doesNotContainKey("JAVA_TOOL_OPTIONS");
    assertThat(compose.service("control-plane").command())
        .contains("--sluice.etcd.endpoints=http://etcd:2379");
  }

  @Test
  void etcdCompactsItsHistory() {
    // without it, agents' status writes fill etcd's quota and it refuses every write
    Service etcd = compose.service("etcd");
    assertThat(etcd.flag("auto-compaction-mode")).isEqualTo("periodic");
    assertThat(etcd.flag("auto-compaction-retention")).isEqualTo("1h");
  }

  private static void visit(
      String name, Map<String, Service> services, Set<String> visiting, List<String> order) {
    if (order.contains(name)) {
      return;
    }
    assertThat(visiting.add(name)).as("dependency cycle through " + name).isTrue();
    for (String dependency : services.get(name).dependsOn().keySet()) {
      visit(dependency, services, visiting, order);
    }
    visiting.remove(name);
    order.add(name);
  }

  private static List<String> copySources(String dockerfile) {
    List<String> sources = new ArrayList<>();
    Matcher copy = COPY.matcher(dockerfile);
    while (copy.find()) {
      List<String> args = new ArrayList<>(List.of(copy.group(1).trim().split("\\s+")));
      if (args.stream().anyMatch(arg -> arg.startsWith("--from"))) {
        continue;
      }
      args.removeIf(arg -> arg.startsWith("--"));
      sources.addAll(args.subList(0, args.size() - 1));
    }
    return sources;
  }

  private static void assertPinned(String where, String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    assertThat(colon).as(where + ": image " + image + " has a tag").isGreaterThan(slash);
    String tag = image.substring(colon + 1);
    assertThat(tag)
        .as(where + ": image " + image + " is pinned")
        .isNotEqualTo("latest")
        .matches(".*\\d.*");
  }
}

package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The two jars the build promises (ARCHITECTURE.md): the shaded extension with every bundled
 * dependency relocated, and the upstream agent with that extension embedded.
 */
class PackagingIT {

  private static final Path TARGET = Path.of("target");
  private static final Set<String> AGENT_SPIS =
      Set.of(
          "io.opentelemetry.javaagent.extension.AgentListener",
          "io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule",
          "io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesConfigurer",
          "io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider",
          "io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider",
          "io.opentelemetry.javaagent.extension.ignore.IgnoredTypesConfigurer");

  /** Where the build keeps the runtime classes the agent need not rewrite (see RuntimeLoader). */
  private static final String RAW_PREFIX = "sluice-runtime/";

  private static final String RAW_SUFFIX = ".class.raw";

  @Test
  void extensionBundlesNothingUnderItsOriginalName() throws IOException {
    try (JarFile jar = new JarFile(TARGET.resolve("sluice-extension.jar").toFile())) {
      List<String> names = Collections.list(jar.entries()).stream().map(ZipEntry::getName).toList();
      // classes at their usual paths, and those stored raw for the runtime loader
      List<String> classes =
          names.stream()
              .filter(n -> n.endsWith(".class") || n.endsWith(RAW_SUFFIX))
              .map(n -> n.endsWith(RAW_SUFFIX) ? raw(n) : n)
              .toList();

      assertThat(classes).isNotEmpty().allMatch(n -> n.startsWith("io/sluice/"));
      assertThat(classes)
          .as("the bridge lives on the bootstrap path only, as a resource")
          .noneMatch(n -> n.startsWith("io/sluice/javaagent/bridge/"));
      assertThat(names).contains("io/sluice/javaagent/bootstrap/sluice-bridge.jar.bin");
      assertThat(classes)
          .as("relocated dependencies")
          .anyMatch(n -> n.startsWith("io/sluice/shaded/io/grpc/"))
          .anyMatch(n -> n.startsWith("io/sluice/shaded/io/netty/"))
          .anyMatch(n -> n.startsWith("io/sluice/shaded/io/vertx/"))
          .anyMatch(n -> n.startsWith("io/sluice/shaded/com/google/protobuf/"))
          .anyMatch(n -> n.startsWith("io/sluice/shaded/io/github/resilience4j/"));
      assertThat(names)
          .as("no native libraries (the etcd client runs on NIO)")
          .noneMatch(n -> n.endsWith(".so") || n.endsWith(".dll") || n.endsWith(".jnilib"))
          .noneMatch(n -> n.startsWith("META-INF/native/"))
          .noneMatch(n -> n.startsWith("META-INF/versions/"));

      Set<String> classNames =
          classes.stream()
              .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
              .collect(Collectors.toSet());
      List<String> services =
          names.stream()
              .filter(n -> n.startsWith("META-INF/services/") && !n.endsWith("/"))
              .toList();
      assertThat(services).isNotEmpty();
      for (String service : services) {
        String api = service.substring("META-INF/services/".length());
        assertThat(AGENT_SPIS.contains(api) || api.startsWith("io.sluice.shaded."))
            .as("service %s is the agent's or relocated", api)
            .isTrue();
        for (String provider : providers(jar, service)) {
          assertThat(classNames).as("provider of %s", api).contains(provider);
        }
      }
    }
  }

  /**
   * Packages the build leaves out to keep the extension small (BENCHMARKS.md, jar sizes): native
   * transports (the etcd client runs on NIO, and their native libraries are left out anyway), and
   * the Google common protos other than {@code google.rpc}, which gRPC needs for its status
   * details.
   */
  private static final List<String> LEFT_OUT_NATIVE =
      List.of(
          "io/sluice/shaded/io/netty/channel/epoll/",
          "io/sluice/shaded/io/netty/channel/kqueue/",
          "io/sluice/shaded/io/netty/channel/uring/",
          "io/sluice/shaded/io/netty/resolver/dns/macos/");

  private static final List<String> LEFT_OUT_PROTOS =
      List.of("api", "apps", "cloud", "geo", "logging", "longrunning", "shopping", "type").stream()
          .map(p -> "io/sluice/shaded/com/google/" + p + "/")
          .toList();

  @Test
  void extensionLeavesOutWhatNothingBundledUses() throws IOException {
    try (JarFile jar = new JarFile(TARGET.resolve("sluice-extension.jar").toFile())) {
      List<JarEntry> entries = Collections.list(jar.entries());
      List<String> names =
          entries.stream()
              .map(ZipEntry::getName)
              .map(n -> n.endsWith(RAW_SUFFIX) ? raw(n) : n)
              .toList();
      assertThat(names)
          .as("Protocol Buffers sources (the generated classes carry their descriptors)")
          .noneMatch(n -> n.endsWith(".proto"));
      for (String prefix : LEFT_OUT_NATIVE) {
        assertThat(names).as("native transport classes").noneMatch(n -> n.startsWith(prefix));
      }
      for (String prefix : LEFT_OUT_PROTOS) {
        assertThat(names).as("unused common protos").noneMatch(n -> n.startsWith(prefix));
      }
      assertThat(names)
          .as("gRPC's status details stay")
          .anyMatch(n -> n.startsWith("io/sluice/shaded/com/google/rpc/"));

      assertThat(classesNaming(jar, LEFT_OUT_PROTOS))
          .as("classes naming a left-out proto package, even as a string for reflection")
          .isEmpty();
    }
  }

  /** Netty's QUIC and HTTP/3 codecs, which Vert.x core 5.1 brings and the build leaves out. */
  private static final List<String> LEFT_OUT_QUIC =
      List.of(
          "io/sluice/shaded/io/netty/handler/codec/quic/",
          "io/sluice/shaded/io/netty/handler/codec/http3/");

  /**
   * The only classes that may name the left-out QUIC and HTTP/3 codecs: Vert.x's own HTTP and
   * network connections (and its QUIC TLS SPI). The extension's Vert.x never makes one: it runs
   * jetcd's futures and timers, and gRPC dials etcd over its own Netty channel, so none of these is
   * ever loaded (checked with {@code -Xlog:class+load} over the etcd ITs, TLS included).
   */
  private static final List<String> MAY_NAME_QUIC =
      List.of(
          "io/sluice/shaded/io/vertx/core/http/impl/",
          "io/sluice/shaded/io/vertx/core/net/impl/",
          "io/sluice/shaded/io/vertx/core/internal/quic/",
          "io/sluice/shaded/io/vertx/core/spi/tls/QuicSslContextFactory");

  @Test
  void extensionLeavesOutQuicAndHttp3WhichOnlyVertxConnectionsName() throws IOException {
    try (JarFile jar = new JarFile(TARGET.resolve("sluice-extension.jar").toFile())) {
      List<JarEntry> entries = Collections.list(jar.entries());
      for (String prefix : LEFT_OUT_QUIC) {
        assertThat(entries)
            .extracting(e -> e.getName().endsWith(RAW_SUFFIX) ? raw(e.getName()) : e.getName())
            .as("QUIC and HTTP/3 codec classes")
            .noneMatch(n -> n.startsWith(prefix));
      }
      assertThat(classesNaming(jar, LEFT_OUT_QUIC))
          .as("classes that name the QUIC or HTTP/3 codecs (Vert.x's connections do)")
          .isNotEmpty()
          .allSatisfy(
              n ->
                  assertThat(MAY_NAME_QUIC)
                      .as("%s names a left-out codec: does the extension load it?", n)
                      .anyMatch(n::startsWith));
    }
  }

  /**
   * The agent rewrites every class its extension loader loads (OpenTelemetry API names, {@code
   * java.util.logging.Logger}); the runtime loader defines a raw class as it is. So exactly the
   * runtime classes that mention neither are raw, and the agent loads only the entry points itself.
   */
  @Test
  void runtimeClassesTheAgentNeedNotRewriteAreStoredRawAndTheAgentLoadsOnlyTheEntryPoints()
      throws IOException {
    try (JarFile jar = new JarFile(TARGET.resolve("sluice-extension.jar").toFile())) {
      List<JarEntry> entries = Collections.list(jar.entries());
      int rawCount = 0;
      for (JarEntry entry : entries) {
        String name = entry.getName();
        boolean raw = name.endsWith(RAW_SUFFIX);
        if (!raw && !name.endsWith(".class")) {
          continue;
        }
        String bytes;
        try (InputStream in = jar.getInputStream(entry)) {
          bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        boolean rewritten =
            bytes.contains("io/opentelemetry/") || bytes.contains("java/util/logging/Logger");
        if (raw) {
          rawCount++;
          assertThat(name).startsWith(RAW_PREFIX + "io/sluice/");
          // the agent loads these itself, and injects the instrumentation's helpers by their path
          assertThat(raw(name))
              .as("%s is loaded by the agent, not the runtime loader", name)
              .doesNotStartWith("io/sluice/javaagent/entry/")
              .doesNotStartWith("io/sluice/javaagent/instrumentation/")
              .doesNotStartWith("io/sluice/javaagent/bridge/");
          assertThat(jar.getEntry(raw(name))).as("%s is stored twice", name).isNull();
          assertThat(rewritten).as("%s mentions a name the agent rewrites", name).isFalse();
        } else if (!name.startsWith("io/sluice/javaagent/entry/")
            && !name.startsWith("io/sluice/javaagent/instrumentation/")) {
          assertThat(rewritten).as("%s could be stored raw", name).isTrue();
        }
      }
      assertThat(rawCount).as("the bulk of the classes").isGreaterThan(10_000);

      for (String spi :
          List.of(
              "io.opentelemetry.javaagent.extension.AgentListener",
              "io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider",
              "io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider",
              "io.opentelemetry.javaagent.extension.ignore.IgnoredTypesConfigurer",
              "io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesConfigurer")) {
        assertThat(providers(jar, "META-INF/services/" + spi))
            .as("the agent finds entry points only: %s", spi)
            .singleElement()
            .asString()
            .startsWith("io.sluice.javaagent.entry.");
      }
      assertThat(
              providers(
                  jar,
                  "META-INF/services/"
                      + "io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule"))
          .isNotEmpty()
          .allSatisfy(
              module -> assertThat(module).startsWith("io.sluice.javaagent.instrumentation."));
    }
  }

  /**
   * The build stores a runtime class raw unless its bytes contain one of the substrings in the
   * pom's {@code sluice-runtime} move; the agent rewrites the names its own rules list. Both read
   * here, from the pom and from the agent jar the build embeds: every name the agent rewrites must
   * contain one of the build's substrings, and no raw class may mention one. An agent that starts
   * to rewrite another name fails the build here, instead of leaving raw classes that needed it.
   */
  @Test
  void theBuildKeepsForTheAgentEveryClassThatMentionsANameTheAgentRewrites() throws Exception {
    Path agentJar =
        Path.of(
            System.getProperty(
                "sluice.upstream.agent.jar",
                TARGET.resolve("distro/opentelemetry-javaagent.jar").toString()));
    try (JarFile agent = new JarFile(agentJar.toFile())) {
      // the rules read below are those the extension loader reads extension classes through
      assertThat(latin1(AgentRemapping.classBytes(agent, AgentRemapping.EXTENSION_LOADER)))
          .contains(internal(AgentRemapping.STREAM_HANDLER));
      assertThat(latin1(AgentRemapping.classBytes(agent, AgentRemapping.STREAM_HANDLER)))
          .contains(internal(AgentRemapping.CONNECTION));
    }
    List<String> rewritten = AgentRemapping.rewrittenPrefixes(agentJar);
    assertThat(rewritten)
        .as("as in agent 2.31.1")
        .contains("io/opentelemetry/api", "java/util/logging/Logger");

    List<String> keptByTheBuild = buildsRewrittenSubstrings();
    assertThat(keptByTheBuild).isNotEmpty();
    for (String prefix : rewritten) {
      // the rules name packages (and one class): a name they catch is the prefix and more
      assertThat(keptByTheBuild)
          .as("the build's substrings catch every name the agent rewrites under %s", prefix)
          .anyMatch(s -> prefix.contains(s) || (prefix + "/").contains(s));
    }

    try (JarFile jar = new JarFile(TARGET.resolve("sluice-extension.jar").toFile())) {
      int raw = 0;
      for (JarEntry entry : Collections.list(jar.entries())) {
        if (!entry.getName().endsWith(RAW_SUFFIX)) {
          continue;
        }
        raw++;
        String bytes;
        try (InputStream in = jar.getInputStream(entry)) {
          bytes = latin1(in.readAllBytes());
        }
        for (String prefix : rewritten) {
          assertThat(bytes.contains(prefix))
              .as("%s is raw but mentions %s, which the agent rewrites", entry.getName(), prefix)
              .isFalse();
        }
      }
      assertThat(raw).isGreaterThan(10_000);
    }
  }

  /** The substrings that keep a runtime class for the agent to rewrite, as the pom lists them. */
  private static List<String> buildsRewrittenSubstrings() throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    Document pom = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    List<String> substrings = new ArrayList<>();
    NodeList moves = pom.getElementsByTagName("move");
    for (int i = 0; i < moves.getLength(); i++) {
      Element move = (Element) moves.item(i);
      if (!move.getAttribute("todir").endsWith("/sluice-runtime")) {
        continue;
      }
      NodeList contains = move.getElementsByTagName("contains");
      for (int j = 0; j < contains.getLength(); j++) {
        Element not = (Element) contains.item(j).getParentNode();
        assertThat(not.getTagName())
            .as("the build keeps a class that contains one")
            .isEqualTo("not");
        substrings.add(((Element) contains.item(j)).getAttribute("text"));
      }
    }
    return substrings;
  }

  private static String internal(String className) {
    return className.replace('.', '/');
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  @Test
  void agentJarIsTheUpstreamAgentWithTheExtensionEmbedded() throws IOException {
    try (JarFile jar = new JarFile(TARGET.resolve("sluice-javaagent.jar").toFile())) {
      Manifest manifest = jar.getManifest();
      assertThat(manifest.getMainAttributes().getValue("Premain-Class"))
          .isEqualTo("io.opentelemetry.javaagent.OpenTelemetryAgent");
      assertThat(jar.getEntry("io/sluice/javaagent/bridge/SluiceBridge.class"))
          .as("the bridge at the root, which the agent puts on the bootstrap path")
          .isNotNull();
      ZipEntry embedded = jar.getEntry("extensions/sluice-extension.jar");
      assertThat(embedded).isNotNull();
      assertThat(embedded.getSize())
          .isEqualTo(TARGET.resolve("sluice-extension.jar").toFile().length());
      try (ZipInputStream extension = new ZipInputStream(jar.getInputStream(embedded))) {
        boolean listener = false;
        for (ZipEntry e; (e = extension.getNextEntry()) != null; ) {
          listener |= e.getName().equals("io/sluice/javaagent/SluiceAgentListener.class");
        }
        assertThat(listener).as("the embedded jar is the extension").isTrue();
      }
    }
  }

  @Test
  void agentJarKeepsItsManifestWhereStreamReadersFindIt() throws IOException {
    // the agent reads its version from the manifest as a stream ("version: null" otherwise)
    try (JarInputStream jar =
        new JarInputStream(Files.newInputStream(TARGET.resolve("sluice-javaagent.jar")))) {
      assertThat(jar.getManifest()).as("manifest at the start of the jar").isNotNull();
      assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version"))
          .isNotBlank();
    }
  }

  /** The usual path of a class the build stored raw. */
  /**
   * The classes of {@code jar} (raw ones by their class name) whose bytes name any of {@code
   * packages}, as a path or dotted (a string for reflection): each once.
   */
  private static List<String> classesNaming(JarFile jar, List<String> packages) throws IOException {
    List<String> naming = new ArrayList<>();
    for (JarEntry entry : Collections.list(jar.entries())) {
      String name = entry.getName();
      if (!name.endsWith(".class") && !name.endsWith(RAW_SUFFIX)) {
        continue;
      }
      String bytes;
      try (InputStream in = jar.getInputStream(entry)) {
        bytes = latin1(in.readAllBytes());
      }
      if (packages.stream()
          .anyMatch(p -> bytes.contains(p) || bytes.contains(p.replace('/', '.')))) {
        naming.add(name.endsWith(RAW_SUFFIX) ? raw(name) : name);
      }
    }
    return naming;
  }

  private static String raw(String name) {
    return name.substring(RAW_PREFIX.length(), name.length() - ".raw".length());
  }

  private static List<String> providers(JarFile jar, String service) throws IOException {
    List<String> providers = new ArrayList<>();
    try (InputStream in = jar.getInputStream(jar.getEntry(service))) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String provider = line.replaceAll("#.*", "").trim();
        if (!provider.isEmpty()) {
          providers.add(provider);
        }
      }
    }
    return providers;
  }
}

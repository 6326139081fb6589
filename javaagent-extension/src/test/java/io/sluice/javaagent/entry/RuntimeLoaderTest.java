package io.sluice.javaagent.entry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testfixture.RuntimeGreeting;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The runtime loader against a jar laid out as the build lays out the extension: one runtime class
 * stored raw under {@code sluice-runtime/}, the class it uses at its usual path, a resource.
 */
class RuntimeLoaderTest {

  private static final String GREETING = RuntimeGreeting.class.getName();
  private static final String HELPER = "io.sluice.testfixture.RuntimeGreetingHelper";

  @TempDir Path dir;
  private URLClassLoader extension;
  private RuntimeLoader loader;

  @BeforeEach
  void extensionJar() throws IOException {
    Path jar = dir.resolve("extension.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      put(
          out,
          RuntimeLoader.RAW_PREFIX + path(GREETING) + RuntimeLoader.RAW_SUFFIX,
          bytes(GREETING));
      put(out, path(HELPER), bytes(HELPER));
      put(out, "io/sluice/testfixture/note.txt", "a resource".getBytes(StandardCharsets.UTF_8));
    }
    // like the agent's extension loader: sees the jar, and the JDK, but not this test's classes
    extension =
        new URLClassLoader(
            "extension", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    loader = new RuntimeLoader(extension, new URL("jar:" + jar.toUri() + "!/"));
  }

  @AfterEach
  void close() throws IOException {
    extension.close();
  }

  @Test
  void definesRuntimeClassesItselfFromTheirRawOrUsualClassFiles() throws Exception {
    Class<?> greeting = loader.loadClass(GREETING);

    assertThat(greeting.getClassLoader()).as("raw, from sluice-runtime/").isSameAs(loader);
    assertThat(greeting).isNotSameAs(RuntimeGreeting.class);
    Class<?> helper = loader.loadClass(HELPER);
    assertThat(helper.getClassLoader()).as("usual path, read through the parent").isSameAs(loader);
    assertThat(greeting.getPackage().getName()).isEqualTo("io.sluice.testfixture");
    // the parent finds the helper at its usual path too, but never defines it: it is not asked
    assertThat(extension.loadClass(HELPER)).isNotSameAs(helper);
  }

  @Test
  void readsThroughTheParentWhenTheJarsRootIsUnknown() throws Exception {
    RuntimeLoader throughParent = new RuntimeLoader(extension, null);

    assertThat(throughParent.loadClass(GREETING).getClassLoader()).isSameAs(throughParent);
    assertThat(throughParent.loadClass(HELPER).getClassLoader()).isSameAs(throughParent);
  }

  @Test
  void findsTheRootOfTheJarItCameFrom() {
    // here it came from a directory (target/classes): unknown, so the parent is asked
    assertThat(RuntimeLoader.extensionRoot()).isNull();
  }

  @Test
  void createsARuntimeClassAsATypeBothLoadersShare() {
    @SuppressWarnings("unchecked")
    Supplier<String> greeting = loader.create(GREETING, Supplier.class);

    assertThat(greeting.get()).isEqualTo("hello from sluice-runtime");
  }

  @Test
  void leavesResourcesAndEverythingElseToTheParent() throws Exception {
    assertThat(loader.loadClass("java.util.function.Supplier")).isSameAs(Supplier.class);
    try (InputStream note = loader.getResourceAsStream("io/sluice/testfixture/note.txt")) {
      assertThat(note).isNotNull();
      assertThat(new String(note.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a resource");
    }
    assertThatThrownBy(() -> loader.loadClass("io.sluice.testfixture.Absent"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void saysWhichRuntimeClassIsUnusable() {
    assertThatThrownBy(() -> loader.create("io.sluice.testfixture.Absent", Supplier.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.sluice.testfixture.Absent");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "io.sluice.sdk.ActiveRules, true",
    "io.sluice.javaagent.SluiceAgent, true",
    "io.sluice.shaded.io.grpc.Channel, true",
    "io.sluice.javaagent.entry.AutoConfigurationEntry, false",
    "io.sluice.javaagent.instrumentation.okhttp.OkHttpInstrumentationModule, false",
    "io.sluice.javaagent.bridge.SluiceBridge, false",
    "io.opentelemetry.api.trace.Span, false",
    "java.lang.String, false",
  })
  void runtimeClassesAreSluicesButTheEntryPointsInstrumentationAndBridge(
      String name, boolean runtime) {
    assertThat(RuntimeLoader.isRuntime(name)).isEqualTo(runtime);
  }

  private static void put(JarOutputStream out, String name, byte[] content) throws IOException {
    out.putNextEntry(new JarEntry(name));
    out.write(content);
    out.closeEntry();
  }

  private static String path(String className) {
    return className.replace('.', '/') + ".class";
  }

  private static byte[] bytes(String className) throws IOException {
    try (InputStream in =
        RuntimeLoaderTest.class.getClassLoader().getResourceAsStream(path(className))) {
      return in.readAllBytes();
    }
  }
}

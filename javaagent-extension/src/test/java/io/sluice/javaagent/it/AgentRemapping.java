package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The names the OpenTelemetry javaagent rewrites in every class its extension loader loads, read
 * from the agent jar itself: its {@code ExtensionClassLoader} reads extension classes through a
 * {@code RemappingUrlConnection}, whose static {@code ShadingRemapper} holds one rule per name
 * prefix ({@code io/opentelemetry/api} to the agent's shaded copy, {@code java/util/logging/Logger}
 * to its {@code PatchLogger}...). The rules exist only as constants in that class's initializer, so
 * the class is loaded, from the agent's {@code inst/} entries, and its rules read by reflection. A
 * change of that structure in a later agent fails here, loudly, rather than leave a name unseen.
 */
final class AgentRemapping {

  static final String EXTENSION_LOADER = "io.opentelemetry.javaagent.tooling.ExtensionClassLoader";
  static final String STREAM_HANDLER =
      "io.opentelemetry.javaagent.tooling.RemappingUrlStreamHandler";
  static final String CONNECTION = "io.opentelemetry.javaagent.tooling.RemappingUrlConnection";

  private AgentRemapping() {}

  /** The internal-form name prefixes the agent rewrites in extension classes. */
  static List<String> rewrittenPrefixes(Path agentJar) throws Exception {
    try (JarFile jar = new JarFile(agentJar.toFile())) {
      Class<?> connection = Class.forName(CONNECTION, true, new AgentClasses(jar));
      Object remapper = staticFieldOfType(connection, "org.objectweb.asm.commons.Remapper");
      Map<?, ?> rules = (Map<?, ?>) instanceFieldOfType(remapper, Map.class);
      return rules.keySet().stream().map(String.class::cast).sorted().toList();
    }
  }

  /** The class file of {@code className} as the agent stores it ({@code inst/….classdata}). */
  static byte[] classBytes(JarFile jar, String className) throws IOException {
    ZipEntry entry = jar.getEntry(AgentClasses.instPath(className));
    if (entry == null) {
      throw new IllegalStateException(className + " is not in the agent jar " + jar.getName());
    }
    try (InputStream in = jar.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }

  private static Object staticFieldOfType(Class<?> owner, String typeName) throws Exception {
    for (Field field : owner.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && isA(field.getType(), typeName)) {
        field.setAccessible(true);
        return field.get(null);
      }
    }
    throw new IllegalStateException(owner + " has no static " + typeName + " any more");
  }

  private static Object instanceFieldOfType(Object owner, Class<?> type) throws Exception {
    for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers()) && type.isAssignableFrom(field.getType())) {
          field.setAccessible(true);
          return field.get(owner);
        }
      }
    }
    throw new IllegalStateException(owner.getClass() + " has no " + type + " of rules any more");
  }

  private static boolean isA(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** Defines the agent's own classes from its jar, as its agent class loader would. */
  private static final class AgentClasses extends ClassLoader {

    private final JarFile jar;

    AgentClasses(JarFile jar) {
      super("agent-classes", ClassLoader.getPlatformClassLoader());
      this.jar = jar;
    }

    static String instPath(String className) {
      return "inst/" + className.replace('.', '/') + ".classdata";
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      ZipEntry entry = jar.getEntry(instPath(name));
      if (entry == null) {
        entry = jar.getEntry(name.replace('.', '/') + ".class"); // the agent's bootstrap classes
      }
      if (entry == null) {
        throw new ClassNotFoundException(name);
      }
      try (InputStream in = jar.getInputStream(entry)) {
        byte[] bytes = in.readAllBytes();
        return defineClass(name, bytes, 0, bytes.length);
      } catch (IOException e) {
        throw new ClassNotFoundException(name, e);
      }
    }
  }
}

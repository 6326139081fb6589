package io.sluice.javaagent.entry;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.NoSuchFileException;
import java.security.CodeSource;
import java.security.ProtectionDomain;

/**
 * Loads Sluice's runtime (everything under {@code io.sluice.} but the entry points, the
 * instrumentation and the bootstrap bridge) child-first, so that the extension's own class loader,
 * which rewrites every class it loads, never does.
 *
 * <p>A runtime class is defined from {@code sluice-runtime/<path>.class.raw} when the build stored
 * it there (it mentions no name the agent rewrites), else from its usual {@code <path>.class},
 * which the extension jar's URL handler hands out as the agent rewrote it. Both are read from the
 * jar directly. Resources and every other class come from the parent, the extension's loader.
 * Classes get the protection domain of the extension's own, as those the extension's loader defines
 * do.
 */
final class RuntimeLoader extends ClassLoader {

  static {
    ClassLoader.registerAsParallelCapable();
  }

  /** Where the build stores the runtime classes that need no rewriting. */
  static final String RAW_PREFIX = "sluice-runtime/";

  static final String RAW_SUFFIX = ".raw";

  private static final String RUNTIME = "io.sluice.";
  private static final String[] NOT_RUNTIME = {
    "io.sluice.javaagent.entry.",
    "io.sluice.javaagent.instrumentation.",
    "io.sluice.javaagent.bridge.",
  };

  private static final class Holder {
    static final RuntimeLoader INSTANCE =
        new RuntimeLoader(RuntimeLoader.class.getClassLoader(), extensionRoot());
  }

  private final ProtectionDomain domain;
  private final URL root;

  /**
   * @param extension the extension's class loader, which the runtime's classes read as their parent
   * @param root the extension jar's root, where class files are read directly rather than through
   *     the parent (which asks the agent's and the bootstrap loader first, for each of thousands of
   *     classes); null to always ask the parent
   */
  RuntimeLoader(ClassLoader extension, URL root) {
    super("sluice-runtime", extension);
    this.domain = RuntimeLoader.class.getProtectionDomain();
    this.root = root;
  }

  /**
   * The root of the jar this class came from: under the agent, the extension loader's own URL
   * ({@code otel:/}, whose handler hands out class files rewritten and other entries as they are);
   * {@code jar:…!/} for a plain jar; null when unknown (a directory in tests).
   */
  static URL extensionRoot() {
    try {
      CodeSource source = RuntimeLoader.class.getProtectionDomain().getCodeSource();
      URL location = source == null ? null : source.getLocation();
      if (location == null) {
        return null;
      }
      if (location.getProtocol().equals("file")) {
        return location.getPath().endsWith(".jar") ? new URL("jar:" + location + "!/") : null;
      }
      return location;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The one runtime loader of this extension. */
  static RuntimeLoader instance() {
    return Holder.INSTANCE;
  }

  /**
   * A new instance of the runtime class {@code className}, through its public no-argument
   * constructor, as {@code type} (a type both loaders share: the agent's or the JDK's).
   */
  <T> T create(String className, Class<T> type) {
    try {
      return type.cast(Class.forName(className, true, this).getConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Sluice's runtime class " + className + " is unusable", e);
    }
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!isRuntime(name)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        loaded = defineRuntimeClass(name);
      }
      if (loaded == null) {
        loaded = getParent().loadClass(name); // not Sluice's: a probe for a class that is absent
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  static boolean isRuntime(String name) {
    if (!name.startsWith(RUNTIME)) {
      return false;
    }
    for (String prefix : NOT_RUNTIME) {
      if (name.startsWith(prefix)) {
        return false;
      }
    }
    return true;
  }

  /** Defines {@code name} from its raw or its usual class file; null when there is neither. */
  private Class<?> defineRuntimeClass(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/') + ".class";
    byte[] bytes;
    try {
      bytes = read(RAW_PREFIX + path + RAW_SUFFIX);
      if (bytes == null) {
        bytes = read(path);
      }
    } catch (IOException e) {
      throw new ClassNotFoundException(name + " could not be read", e);
    }
    if (bytes == null) {
      return null;
    }
    definePackageOf(name);
    return defineClass(name, bytes, 0, bytes.length, domain);
  }

  /** The entry {@code name} of the extension jar; null when it has none. */
  private byte[] read(String name) throws IOException {
    if (root != null) {
      try (InputStream in = new URL(root, name).openStream()) {
        return in.readAllBytes();
      } catch (FileNotFoundException | NoSuchFileException absent) {
        return null;
      }
    }
    URL file = getParent().getResource(name);
    if (file == null) {
      return null;
    }
    try (InputStream in = file.openStream()) {
      return in.readAllBytes();
    }
  }

  private void definePackageOf(String name) {
    int dot = name.lastIndexOf('.');
    String pkg = name.substring(0, dot);
    if (getDefinedPackage(pkg) == null) {
      try {
        definePackage(pkg, null, null, null, null, null, null, null);
      } catch (IllegalArgumentException definedMeanwhile) {
        // another thread defined it first
      }
    }
  }
}

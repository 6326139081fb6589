package io.sluice.javaagent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * Loads a copy of its own of some classes (with their nested classes), so that a test sees their
 * static state fresh, whatever other tests in the same JVM did with the originals: as a helper the
 * agent injects into one more class loader gets its own. Names it is told to miss are not found, as
 * in a class loader the agent failed to inject that helper into. Everything else comes from the
 * test's own class loader.
 */
public final class FreshCopyLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private final Set<String> copied;
  private final Set<String> missing;

  /**
   * @param copied the top-level classes to copy
   * @param missing the classes that are not found
   */
  public FreshCopyLoader(Set<String> copied, Set<String> missing) {
    super("fresh-copies", FreshCopyLoader.class.getClassLoader());
    this.copied = copied;
    this.missing = missing;
  }

  /** A fresh copy of {@code type}, which must be among the copied classes. */
  public Class<?> copyOf(Class<?> type) throws ClassNotFoundException {
    return loadClass(type.getName());
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (missing.contains(name)) {
      throw new ClassNotFoundException(name + " (missing on purpose)");
    }
    int nested = name.indexOf('$');
    if (!copied.contains(nested < 0 ? name : name.substring(0, nested))) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        byte[] bytes;
        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
          if (in == null) {
            throw new ClassNotFoundException(name);
          }
          bytes = in.readAllBytes();
        } catch (IOException e) {
          throw new ClassNotFoundException(name, e);
        }
        loaded = defineClass(name, bytes, 0, bytes.length);
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }
}

package io.sluice.javaagent.testapp;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * A class loader that, like an OSGi bundle's, delegates nothing but the JDK's own packages: every
 * other class, also one on the bootstrap search path, must be its own or is not found. Advice
 * inlined into a class it loads can only reach Sluice's bootstrap bridge because the agent makes
 * every class loader ask the bootstrap loader first for the packages extensions register ({@code
 * SluiceBootstrapPackages}).
 */
final class IsolatingClassLoader extends URLClassLoader {

  static {
    registerAsParallelCapable();
  }

  IsolatingClassLoader(URL[] urls) {
    super("isolated", urls, null);
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")) {
      return ClassLoader.getPlatformClassLoader().loadClass(name);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        loaded = findClass(name);
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  @Override
  public URL getResource(String name) {
    return findResource(name);
  }
}

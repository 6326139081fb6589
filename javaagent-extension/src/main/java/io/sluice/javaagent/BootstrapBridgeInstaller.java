package io.sluice.javaagent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts the bootstrap bridge ({@code io.sluice.javaagent.bridge}) on the bootstrap class path.
 *
 * <p>The bridge ships inside the extension jar as an opaque resource, a nested jar the extension
 * class loader cannot load classes from, so exactly one copy of it ever exists: the bootstrap one
 * that advice in every class loader reads. It must be appended before any instrumented class runs
 * its advice, because a class whose advice failed to resolve the bridge stays broken for the life
 * of the JVM; {@link SluiceAutoConfiguration#customize} is early enough. The {@link
 * Instrumentation} comes from the agent's bootstrap holder, by reflection, so nothing here depends
 * on the agent's internals at compile time. The copy written to the temporary directory is deleted
 * when the JVM exits; those of JVMs killed outright are removed by the next start ({@link
 * StaleBridgeCopies}).
 *
 * <p>The one-jar distro ({@code sluice-javaagent.jar}) carries the bridge's classes at its root,
 * which the agent appends to the bootstrap class path itself at premain: there the bridge is found
 * in place and nothing is appended. Each append makes a JVM with class data sharing print "Sharing
 * is only supported for boot loader classes because bootstrap classpath has been appended" once
 * more, and the distro then prints it once, for the agent's own jar.
 */
final class BootstrapBridgeInstaller {

  static final String BRIDGE_RESOURCE = "io/sluice/javaagent/bootstrap/sluice-bridge.jar.bin";
  static final String BRIDGE_CLASS = "io.sluice.javaagent.bridge.SluiceBridge";
  private static final String INSTRUMENTATION_HOLDER =
      "io.opentelemetry.javaagent.bootstrap.InstrumentationHolder";
  private static final Logger logger = Logger.getLogger(BootstrapBridgeInstaller.class.getName());

  private BootstrapBridgeInstaller() {}

  /**
   * Appends the bridge to the bootstrap class path, unless the agent's jar put it there already.
   *
   * @return whether the bridge is in place; on failure the reason is logged and calls pass
   *     unguarded
   */
  static boolean install() {
    try {
      if (onBootstrapPath()) {
        return true;
      }
      Instrumentation instrumentation = instrumentation();
      long pid = ProcessHandle.current().pid();
      Path jar = Files.createTempFile(StaleBridgeCopies.prefix(pid), StaleBridgeCopies.SUFFIX);
      jar.toFile().deleteOnExit();
      try (InputStream in =
          BootstrapBridgeInstaller.class.getClassLoader().getResourceAsStream(BRIDGE_RESOURCE)) {
        if (in == null) {
          throw new IOException("resource " + BRIDGE_RESOURCE + " missing from the extension jar");
        }
        Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
      }
      instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
      removeStaleCopies(jar, pid);
      return true;
    } catch (Exception | LinkageError e) {
      logger.log(
          Level.WARNING,
          "Sluice could not install its bootstrap bridge; circuit breakers are off in this JVM",
          e);
      return false;
    }
  }

  /** Removes the copies killed JVMs left beside this one's; a failure is logged at FINE only. */
  private static void removeStaleCopies(Path own, long pid) {
    try {
      int removed = StaleBridgeCopies.remove(own.getParent(), pid, own, Instant.now());
      if (removed > 0) {
        logger.log(
            Level.FINE,
            "removed {0} copies of the bootstrap bridge left by JVMs that were killed",
            removed);
      }
    } catch (IOException | RuntimeException e) {
      logger.log(Level.FINE, "could not look for stale copies of the bootstrap bridge", e);
    }
  }

  /**
   * Whether the bootstrap loader has the bridge: it does in the distro, whose root the agent put
   * there. (A miss is not remembered by the bootstrap loader; an append after it is found.)
   */
  static boolean onBootstrapPath() {
    try {
      Class.forName(BRIDGE_CLASS, false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static Instrumentation instrumentation() throws ReflectiveOperationException {
    Class<?> holder = Class.forName(INSTRUMENTATION_HOLDER, true, null);
    Object instrumentation = holder.getMethod("getInstrumentation").invoke(null);
    if (instrumentation == null) {
      throw new IllegalStateException("the agent holds no Instrumentation");
    }
    return (Instrumentation) instrumentation;
  }
}

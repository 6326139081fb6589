package io.sluice.javaagent;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Holds the libraries the extension bundles (jetcd, gRPC, Netty, relocated under {@code
 * io.sluice.shaded}) to the level {@link SluiceAutoConfiguration#LIBRARY_LOG_LEVEL_PROPERTY} names
 * (Sluice's default {@code error}), whichever logging the agent was told to use.
 *
 * <p>The agent routes java.util.logging of its extensions to its own logger, which takes no level
 * nor filter from the extension ({@code setLevel} does nothing there). Its default, {@code
 * otel.javaagent.logging=simple}, reads that property by itself. With {@code application} it hands
 * every line to the app's logging framework by logger name and reads no property: gRPC's {@code
 * Failed to resolve name} and jetcd's lease retries reached the app's log at every retry while etcd
 * was away, though Sluice says the outage once. So the agent's logger factory is wrapped: a logger
 * created for a name under {@code io.sluice.shaded} drops what is below its level, found as the
 * simple logger finds it (the property of the longest prefix of the name that has one: {@code
 * ...simpleLogger.log.io.sluice.shaded.io.grpc=debug} is finer than {@code
 * ...log.io.sluice.shaded=error}); every other logger, the app's and Sluice's own, is the agent's
 * as it was. Only these relocated copies are Sluice's alone, so nothing of the app's own gRPC
 * changes.
 *
 * <p>The factory is a detail of the agent's bootstrap classes ({@code InternalLoggerFactoryHolder},
 * {@code InternalLogger}), reached by reflection and wrapped with a {@link Proxy}, since the
 * extension API offers no hook on logging. It must be wrapped before the bundled libraries' classes
 * create their loggers, which happens when the etcd client starts, after {@link
 * SluiceAutoConfiguration#customize}. Should the agent change, one line says so and the libraries
 * log as the app's framework decides. The agent's no-op factory (no logging yet, or {@code
 * otel.javaagent.logging=none}) is left alone, since the agent replaces only that one; a factory
 * another extension wrapped is wrapped again, one of Sluice's is not.
 */
final class BundledLibraryLogs {

  private static final Logger logger = Logger.getLogger(BundledLibraryLogs.class.getName());

  /** Where the bundled libraries are relocated to; their loggers are named after their classes. */
  static final String SHADED = "io.sluice.shaded";

  private static final String LEVEL_PROPERTY_PREFIX =
      "io.opentelemetry.javaagent.slf4j.simpleLogger.log.";

  private static final String BOOTSTRAP = "io.opentelemetry.javaagent.bootstrap.";

  /** The agent's levels, most severe first, as its {@code InternalLogger.Level} orders them. */
  private static final String[] LEVELS = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

  private BundledLibraryLogs() {}

  /** Wraps the agent's logger factory once; never throws. */
  static void holdToTheirLevel() {
    holdToTheirLevel(null, BOOTSTRAP);
  }

  /**
   * Wraps the factory of the agent's logging whose classes {@code agent} loads from {@code
   * packagePrefix} ({@code null} for the bootstrap loader, where the agent keeps them); tests pass
   * classes of the same shape.
   */
  static void holdToTheirLevel(ClassLoader agent, String packagePrefix) {
    try {
      Class<?> holder = Class.forName(packagePrefix + "InternalLoggerFactoryHolder", false, agent);
      Class<?> factoryType = Class.forName(packagePrefix + "InternalLogger$Factory", false, agent);
      Class<?> loggerType = Class.forName(packagePrefix + "InternalLogger", false, agent);
      Field field = holder.getDeclaredField("loggerFactory");
      field.setAccessible(true);
      @SuppressWarnings("unchecked")
      AtomicReference<Object> factories = (AtomicReference<Object>) field.get(null);
      Object factory = factories.get();
      if (factory == null
          || factory.getClass().getName().equals(packagePrefix + "NoopLoggerFactory")
          || isOurs(factory)) {
        // no logging (the agent's own start swaps its no-op factory once: never take that slot),
        // or wrapped already by another Sluice client of this JVM
        return;
      }
      Object wrapped =
          Proxy.newProxyInstance(
              BundledLibraryLogs.class.getClassLoader(),
              new Class<?>[] {factoryType},
              new QuietingFactory(factory, loggerType));
      factories.compareAndSet(factory, wrapped);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      logger.info(
          "Sluice cannot hold the libraries it bundles (jetcd, gRPC) to "
              + LEVEL_PROPERTY_PREFIX
              + SHADED
              + " outside the agent's simple logger ("
              + e
              + "); with otel.javaagent.logging=application their retries while etcd is away"
              + " reach the app's log");
    }
  }

  /** By name: a wrapper of this class from another copy of the extension counts as ours too. */
  private static boolean isOurs(Object factory) {
    return Proxy.isProxyClass(factory.getClass())
        && Proxy.getInvocationHandler(factory)
            .getClass()
            .getName()
            .equals(QuietingFactory.class.getName());
  }

  /**
   * The agent's factory, whose loggers for a bundled library's name drop what is below its level.
   * Every other name gets the agent's own logger, untouched: the name's prefix is all that is
   * looked at, once per logger created, and nothing per line logged.
   */
  private record QuietingFactory(Object factory, Class<?> loggerType) implements InvocationHandler {

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      Object created = BundledLibraryLogs.invoke(factory, method, args);
      if (!method.getName().equals("create")
          || args == null
          || args.length != 1
          || !(args[0] instanceof String name)
          || !(name.equals(SHADED) || name.startsWith(SHADED + "."))
          || created == null) {
        return created;
      }
      try {
        return quieted(created, threshold(name), loggerType);
      } catch (RuntimeException | LinkageError e) {
        return created; // the library logs as the agent decides, never fails to get a logger
      }
    }
  }

  /** A logger that drops what is below {@code threshold}, else logs as {@code created}. */
  private static Object quieted(Object created, int threshold, Class<?> loggerType) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "isLoggable":
              return severity(args[0]) <= threshold && (boolean) invoke(created, method, args);
            case "log":
              if (severity(args[0]) <= threshold) {
                invoke(created, method, args);
              }
              return null;
            default:
              return invoke(created, method, args);
          }
        };
    return Proxy.newProxyInstance(
        BundledLibraryLogs.class.getClassLoader(), new Class<?>[] {loggerType}, handler);
  }

  /**
   * The most verbose level logged for {@code name} ({@code 0} for errors only, {@code -1} for
   * nothing), from the property of the longest prefix of the name that has one.
   */
  static int threshold(String name) {
    for (String prefix = name; ; prefix = prefix.substring(0, prefix.lastIndexOf('.'))) {
      String level = System.getProperty(LEVEL_PROPERTY_PREFIX + prefix);
      if (level != null && !level.isBlank()) {
        return rank(level.strip().toUpperCase(Locale.ROOT));
      }
      if (prefix.equals(SHADED) || prefix.lastIndexOf('.') < 0) {
        return 0; // as Sluice's default, error
      }
    }
  }

  private static int rank(String level) {
    if (level.equals("OFF")) {
      return -1;
    }
    if (level.equals("WARNING")) {
      return 1;
    }
    for (int i = 0; i < LEVELS.length; i++) {
      if (LEVELS[i].equals(level)) {
        return i;
      }
    }
    return 0;
  }

  private static int severity(Object level) {
    return level instanceof Enum<?> e ? rank(e.name()) : 0;
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}

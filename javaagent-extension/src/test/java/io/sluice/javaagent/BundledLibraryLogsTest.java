package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.fakeagent.InternalLogger;
import io.sluice.javaagent.fakeagent.InternalLoggerFactoryHolder;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The level {@link BundledLibraryLogs} holds a bundled library's logger to: the agent's simple
 * logger property of the longest prefix of its name that has one, errors only by default; and its
 * wrapping of a logger factory of the agent's shape ({@code fakeagent}, since a unit test cannot
 * load the agent's bootstrap classes): only Sluice's bundled libraries' loggers change. (That the
 * real agent's application logging then drops what is below it is {@code StartWithoutEtcdIT}'s.)
 */
class BundledLibraryLogsTest {

  private static final String PROPERTY = SluiceAutoConfiguration.LIBRARY_LOG_LEVEL_PROPERTY;
  private static final String GRPC = PROPERTY + ".io.grpc";

  private String before;

  @BeforeEach
  void clearTheLevels() {
    before = System.clearProperty(PROPERTY);
    System.clearProperty(GRPC);
  }

  @AfterEach
  void restoreTheLevels() {
    System.clearProperty(GRPC);
    if (before == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, before);
    }
  }

  @Test
  void errorsOnlyWhenNoLevelIsSet() {
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.grpc.internal.X")).isZero();
  }

  @Test
  void theLongestPrefixWithALevelDecides() {
    System.setProperty(PROPERTY, "info");
    System.setProperty(GRPC, "debug");

    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.grpc.internal.X")).isEqualTo(3);
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.etcd.jetcd.Y")).isEqualTo(2);
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded")).isEqualTo(2);
  }

  @Test
  void readsTheSimpleLoggersLevelNames() {
    System.setProperty(PROPERTY, " WARN ");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(1);
    System.setProperty(PROPERTY, "off");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(-1);
    System.setProperty(PROPERTY, "trace");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(4);
  }

  private static final String FAKE_AGENT = "io.sluice.javaagent.fakeagent.";
  private static final String GRPC_LOGGER = "io.sluice.shaded.io.grpc.internal.ManagedChannelImpl";

  /** The agent's logging as the app's framework receives it: every line, at every level. */
  private static final class AppLogging implements InternalLogger.Factory {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public InternalLogger create(String name) {
      return new InternalLogger() {
        @Override
        public boolean isLoggable(Level level) {
          return true;
        }

        @Override
        public void log(Level level, String message, Throwable error) {
          lines.add(level + " " + name + " " + message);
        }

        @Override
        public String name() {
          return name;
        }
      };
    }
  }

  private static void holdFakeAgentsLoggers() {
    BundledLibraryLogs.holdToTheirLevel(BundledLibraryLogsTest.class.getClassLoader(), FAKE_AGENT);
  }

  private static void logEveryLevel(String name) {
    InternalLogger logger = InternalLoggerFactoryHolder.get().create(name);
    for (InternalLogger.Level level : InternalLogger.Level.values()) {
      if (logger.isLoggable(level)) {
        logger.log(level, "line", null);
      }
    }
  }

  @AfterEach
  void noAgentLogging() {
    InternalLoggerFactoryHolder.reset();
  }

  @Test
  void theBundledLibrariesLogErrorsOnlyAndEveryOtherLoggerIsTheAgentsOwn() {
    AppLogging app = new AppLogging();
    InternalLoggerFactoryHolder.initialize(app);
    InternalLogger before = app.create("io.opentelemetry.javaagent.tooling.AgentInstaller");

    holdFakeAgentsLoggers();
    InternalLogger.Factory wrapped = InternalLoggerFactoryHolder.get();
    holdFakeAgentsLoggers(); // a second Sluice start in the JVM adds no second layer
    assertThat(InternalLoggerFactoryHolder.get()).isNotSameAs(app).isSameAs(wrapped);
    logEveryLevel(GRPC_LOGGER);
    logEveryLevel("io.sluice.shadedbutnotours.X");
    logEveryLevel("io.sluice.sdk.source.EtcdRuleSource");

    assertThat(app.lines)
        .containsExactly(
            "ERROR " + GRPC_LOGGER + " line",
            "ERROR io.sluice.shadedbutnotours.X line",
            "WARN io.sluice.shadedbutnotours.X line",
            "INFO io.sluice.shadedbutnotours.X line",
            "DEBUG io.sluice.shadedbutnotours.X line",
            "TRACE io.sluice.shadedbutnotours.X line",
            "ERROR io.sluice.sdk.source.EtcdRuleSource line",
            "WARN io.sluice.sdk.source.EtcdRuleSource line",
            "INFO io.sluice.sdk.source.EtcdRuleSource line",
            "DEBUG io.sluice.sdk.source.EtcdRuleSource line",
            "TRACE io.sluice.sdk.source.EtcdRuleSource line");
    InternalLogger created =
        InternalLoggerFactoryHolder.get().create("io.opentelemetry.javaagent.tooling.X");
    assertThat(Proxy.isProxyClass(created.getClass())).as("not ours: the agent's own").isFalse();
    assertThat(Proxy.isProxyClass(before.getClass())).isFalse();
  }

  /** Another extension wrapped the factory first (with a proxy too): Sluice's still apply. */
  @Test
  void aFactoryAnotherExtensionWrappedIsWrappedToo() {
    AppLogging app = new AppLogging();
    InternalLogger.Factory theirs =
        (InternalLogger.Factory)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {InternalLogger.Factory.class},
                (proxy, method, args) -> method.invoke(app, args));
    InternalLoggerFactoryHolder.initialize(theirs);

    holdFakeAgentsLoggers();
    logEveryLevel(GRPC_LOGGER);

    assertThat(app.lines).containsExactly("ERROR " + GRPC_LOGGER + " line");
  }

  /**
   * Before the agent's logging starts (or with none) its no-op factory is left in place: the agent
   * swaps only that one for its logging, which a wrapper in its slot would refuse.
   */
  @Test
  void theAgentsNoOpFactoryIsLeftForTheAgentToReplace() {
    holdFakeAgentsLoggers();

    AppLogging app = new AppLogging();
    assertThat(InternalLoggerFactoryHolder.initialize(app)).isTrue();
    assertThat(InternalLoggerFactoryHolder.get()).isSameAs(app);
  }
}

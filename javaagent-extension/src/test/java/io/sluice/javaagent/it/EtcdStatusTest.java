package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The wait for an agent's status reports (without etcd or an app: the report and the log are
 * given). It waited its whole 90 s for an agent that had already logged a class-loading failure;
 * then it failed at once for any such line, also one the app logged for a failure it handles.
 */
class EtcdStatusTest {

  private static final String AGENT = "[otel.javaagent 2026-12-01 12:00:00:000 +0000] ";

  private static final String BROKEN_START =
      String.join(
          "\n",
          AGENT + "[main] INFO starting",
          "Exception in thread \"sluice-etcd\" java.lang.NoClassDefFoundError:"
              + " io/sluice/shaded/io/grpc/Channel",
          "\tat io.sluice.sdk.etcd.EtcdRuleSource.start(EtcdRuleSource.java:42)",
          "Caused by: java.lang.ClassNotFoundException: io.sluice.shaded.io.grpc.Channel",
          "sluice-test-app ready on port 12345",
          "");

  /** An app that does without an optional library, and logs so with java.util.logging. */
  private static final String APP_HANDLED_FAILURE =
      String.join(
          "\n",
          AGENT + "[main] INFO io.sluice.javaagent.SluiceAgent - Sluice: rules for 'orders'",
          "Dec 01, 2026 12:00:01 PM com.example.Plugins load",
          "WARNING: optional plugin left out",
          "java.lang.NoClassDefFoundError: com/example/OptionalPlugin",
          "\tat com.example.Plugins.load(Plugins.java:12)",
          "\tat app//com.example.Main.main(Main.java:5)",
          "Caused by: java.lang.ClassNotFoundException: com.example.OptionalPlugin",
          "\tat java.base/jdk.internal.loader.BuiltinClassLoader.loadClass(BuiltinClassLoader.java:641)",
          "\t... 2 more",
          "app: LinkageError of a plugin handled, running without it",
          "");

  @Test
  void failsAtOnceWithTheOffendingLinesWhenTheAgentLoggedAClassLoadingFailure() {
    assertThatThrownBy(
            () -> EtcdStatus.awaitReport("the agent reports", () -> false, () -> BROKEN_START))
        .isInstanceOf(AssertionError.class)
        .hasNoCause() // not the 90 s timeout
        .hasMessageContaining(
            "class-loading failure:\n"
                + "  Exception in thread \"sluice-etcd\" java.lang.NoClassDefFoundError:"
                + " io/sluice/shaded/io/grpc/Channel\n"
                + "  Caused by: java.lang.ClassNotFoundException: io.sluice.shaded.io.grpc.Channel\n"
                + "app log:\n")
        .hasMessageContaining("sluice-test-app ready on port 12345");
  }

  @Test
  void aReportWinsOverALoggedFailure() {
    EtcdStatus.awaitReport("the agent reports", () -> true, () -> BROKEN_START);
  }

  @Test
  void waitsOnForTheReportWhenOnlyTheAppLoggedAClassLoadingFailure() {
    AtomicInteger polls = new AtomicInteger();
    EtcdStatus.awaitReport(
        "the agent reports",
        Duration.ofSeconds(10),
        Duration.ofMillis(10),
        () -> polls.incrementAndGet() == 3,
        () -> APP_HANDLED_FAILURE,
        () -> "");
    assertThat(polls).hasValue(3);
  }

  @Test
  void aTimeoutSaysWhatWasReportedInstead() {
    assertThatThrownBy(
            () ->
                EtcdStatus.awaitReport(
                    "the agent applies revision 7",
                    Duration.ofMillis(200),
                    Duration.ofMillis(20),
                    () -> false,
                    () -> APP_HANDLED_FAILURE,
                    () -> "\nstatus: applied 6"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the agent applies revision 7")
        .hasMessageContaining("\nstatus: applied 6\napp log:\n" + APP_HANDLED_FAILURE);
  }

  @Test
  void findsEachKindOfClassLoadingFailureTheAgentLogs() {
    assertThat(
            ClassLoadingFailures.in(
                String.join(
                    "\n",
                    AGENT + "[sluice-start] WARN io.sluice.X - java.lang.NoClassDefFoundError: a/B",
                    AGENT + "[main] ERROR io.sluice.X - java.lang.ClassNotFoundException: a.B",
                    AGENT + "[main] ERROR io.opentelemetry.javaagent.tooling.AgentInstaller - x",
                    "java.util.ServiceConfigurationError: a.Provider: not a subtype",
                    "\tat java.base/java.util.ServiceLoader.fail(ServiceLoader.java:593)",
                    AGENT + "[main] WARN io.sluice.X - java.lang.LinkageError: loader constraint",
                    AGENT + "[main] INFO io.sluice.X - agent started",
                    AGENT + "[main] WARN io.sluice.X - java.lang.IllegalStateException: no etcd")))
        .containsExactly(
            AGENT + "[sluice-start] WARN io.sluice.X - java.lang.NoClassDefFoundError: a/B",
            AGENT + "[main] ERROR io.sluice.X - java.lang.ClassNotFoundException: a.B",
            "java.util.ServiceConfigurationError: a.Provider: not a subtype",
            AGENT + "[main] WARN io.sluice.X - java.lang.LinkageError: loader constraint");
  }

  @Test
  void leavesOutWhatTheAppLogs() {
    assertThat(ClassLoadingFailures.in(APP_HANDLED_FAILURE)).isEmpty();
    assertThat(
            ClassLoadingFailures.in(
                String.join(
                    "\n",
                    "java.lang.NoClassDefFoundError: com/example/OptionalPlugin",
                    "\tat com.example.Plugins.load(Plugins.java:12)",
                    "Exception in thread \"worker\" java.lang.LinkageError: duplicate class",
                    "\tat app//com.example.Worker.run(Worker.java:7)")))
        .as("stack traces with no frame of Sluice's, printed by the app")
        .isEmpty();
  }

  @Test
  void takesATraceWithAFrameOfSluicesForTheAgentsWhereverItStands() {
    assertThat(
            ClassLoadingFailures.in(
                String.join(
                    "\n",
                    "app: serving",
                    "Exception in thread \"sluice-etcd-rules-orders\" java.lang.NoClassDefFoundError:"
                        + " io/sluice/shaded/io/netty/Foo",
                    "\tat java.base/java.lang.Class.forName0(Native Method)",
                    "\tat io.sluice.shaded.io.grpc.netty.Utils.<clinit>(Utils.java:1)",
                    "Caused by: java.lang.ClassNotFoundException: io.sluice.shaded.io.netty.Foo",
                    "\t... 1 more",
                    "app: LinkageError handled")))
        .containsExactly(
            "Exception in thread \"sluice-etcd-rules-orders\" java.lang.NoClassDefFoundError:"
                + " io/sluice/shaded/io/netty/Foo",
            "Caused by: java.lang.ClassNotFoundException: io.sluice.shaded.io.netty.Foo");
  }
}

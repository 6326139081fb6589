package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wait for an agent's status reports (without etcd or an app: the report and the log are
 * given). It waited its whole 90 s for an agent that had already logged a class-loading failure;
 * then it failed at once for any such line, also one the app logged for a failure it handles. The
 * log is a real file; tests that let it grow between polls append to it as the wait polls, from the
 * report's check, which each poll makes before it reads the log.
 */
class EtcdStatusTest {

  @TempDir Path dir;

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
            () -> EtcdStatus.awaitReport("the agent reports", () -> false, log(BROKEN_START)))
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
    EtcdStatus.awaitReport("the agent reports", () -> true, log(BROKEN_START));
  }

  @Test
  void waitsOnForTheReportWhenOnlyTheAppLoggedAClassLoadingFailure() {
    AtomicInteger polls = new AtomicInteger();
    EtcdStatus.awaitReport(
        "the agent reports",
        Duration.ofSeconds(10),
        Duration.ofMillis(10),
        () -> polls.incrementAndGet() == 3,
        log(APP_HANDLED_FAILURE),
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
                    log(APP_HANDLED_FAILURE),
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

  @Test
  void readsAndScansOnlyWhatTheLogGainedSinceTheLastPoll() {
    Path log = log(AGENT + "[main] INFO io.sluice.X - starting, all is well\n");
    AtomicInteger polls = new AtomicInteger();
    EtcdStatus.awaitReport(
        "the agent reports",
        Duration.ofSeconds(10),
        Duration.ofMillis(10),
        () -> {
          if (polls.incrementAndGet() == 2) {
            // read at the first poll: a failure written over it now is not read again (the whole
            // log was, at every poll)
            write(log, AGENT + "[main] WARN io.sluice.X - java.lang.LinkageError: was well\n");
            append(log, "app: serving\n");
          }
          return polls.get() == 4;
        },
        log,
        () -> "");
    assertThat(polls).hasValue(4);
  }

  @Test
  void takesATraceUnderAnAgentLineWrittenAtTheNextPoll() {
    assertThatThrownBy(
            () ->
                awaitGrowing(
                    AGENT + "[sluice-start] WARN io.sluice.X - the rule source did not start\n",
                    "java.lang.NoClassDefFoundError: io/sluice/shaded/io/grpc/Channel\n"
                        + "\tat java.base/java.lang.Class.forName0(Native Method)\n"))
        .isInstanceOf(AssertionError.class)
        .hasNoCause()
        .hasMessageContaining(
            "class-loading failure:\n"
                + "  java.lang.NoClassDefFoundError: io/sluice/shaded/io/grpc/Channel\n"
                + "app log:\n");
  }

  @Test
  void takesATraceWhoseSluiceFrameIsWrittenAtALaterPollOnceAndOnlyThen() {
    AtomicInteger pollsWhenFailed = new AtomicInteger();
    assertThatThrownBy(
            () ->
                awaitGrowing(
                    pollsWhenFailed,
                    "Exception in thread \"sluice-etcd\" java.lang.NoClassDefFoundError: a/B\n",
                    "\tat java.base/java.lang.Class.forName0(Native Method)\n",
                    "\tat io.sluice.sdk.source.EtcdRuleSource.start(EtcdRuleSource.java:42)\n",
                    "app: serving\n"))
        .isInstanceOf(AssertionError.class)
        .hasNoCause()
        .hasMessageContaining(
            "class-loading failure:\n"
                + "  Exception in thread \"sluice-etcd\" java.lang.NoClassDefFoundError: a/B\n"
                + "app log:\n");
    assertThat(pollsWhenFailed).as("failed when the Sluice frame came, not before").hasValue(3);
  }

  @Test
  void leavesTheAppsTraceTheAppsThoughItIsWrittenOverSeveralPolls() {
    AtomicInteger polls = new AtomicInteger();
    awaitGrowing(
        polls,
        AGENT + "[main] INFO io.sluice.X - rules for 'orders'\n",
        "app: loading plugins\n" + "java.lang.NoClassDefFoundError: com/example/Optional",
        "Plugin\n\tat com.example.Plugins.load(Plugins.java:12)\n",
        "Caused by: java.lang.ClassNotFoundException: com.example.OptionalPlugin\n",
        "app: running without it\n");
    assertThat(polls).hasValue(6);
  }

  /**
   * A line's pieces, written at different polls, are read as one line, and it counts as soon as the
   * failure is in it, before it ends (as when the whole log was read): once.
   */
  @Test
  void findsAFailureInALineWrittenInPiecesOverPolls() {
    assertThatThrownBy(
            () ->
                awaitGrowing(
                    AGENT + "[main] WARN io.sluice.X - java.lang.NoClassDef",
                    "FoundError: a/B",
                    " (shaded)\nnext line\n"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "class-loading failure:\n  "
                + AGENT
                + "[main] WARN io.sluice.X - java.lang.NoClassDefFoundError: a/B\n"
                + "app log:\n");
  }

  /** {@link #awaitGrowing(AtomicInteger, String...)} counting its polls for no one. */
  private void awaitGrowing(String... pieces) {
    awaitGrowing(new AtomicInteger(), pieces);
  }

  /**
   * Waits for a report that comes at the poll after the last of {@code pieces}, the log gaining one
   * piece at each poll before; {@code polls} counts them.
   */
  private void awaitGrowing(AtomicInteger polls, String... pieces) {
    Path log = log("");
    BooleanSupplier reported =
        () -> {
          int poll = polls.incrementAndGet();
          if (poll <= pieces.length) {
            append(log, pieces[poll - 1]);
          }
          return poll > pieces.length;
        };
    EtcdStatus.awaitReport(
        "the agent reports",
        Duration.ofSeconds(10),
        Duration.ofMillis(10),
        reported,
        log,
        () -> "");
  }

  private Path log(String text) {
    Path log = dir.resolve("app-" + System.nanoTime() + ".log");
    write(log, text);
    return log;
  }

  private static void write(Path log, String text) {
    try {
      Files.writeString(log, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(Path log, String text) {
    try {
      Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

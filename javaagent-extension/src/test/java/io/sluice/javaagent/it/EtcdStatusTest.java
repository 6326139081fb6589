package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The wait for an agent's first status report (without etcd or an app: the report and the log are
 * given). It waited its whole 90 s for an agent that had already logged a class-loading failure.
 */
class EtcdStatusTest {

  private static final String BROKEN_START =
      String.join(
          "\n",
          "[otel.javaagent 2026-12-01 12:00:00:000 +0000] [main] INFO starting",
          "Exception in thread \"sluice-etcd\" java.lang.NoClassDefFoundError:"
              + " io/sluice/shaded/io/grpc/Channel",
          "\tat io.sluice.sdk.etcd.EtcdRuleSource.start(EtcdRuleSource.java:42)",
          "Caused by: java.lang.ClassNotFoundException: io.sluice.shaded.io.grpc.Channel",
          "sluice-test-app ready on port 12345",
          "");

  @Test
  void failsAtOnceWithTheOffendingLinesWhenTheAppLoggedAClassLoadingFailure() {
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
  void findsEachKindOfClassLoadingFailureAndNothingElse() {
    assertThat(
            ClassLoadingFailures.in(
                String.join(
                    "\n",
                    "java.lang.NoClassDefFoundError: a/B",
                    "java.lang.ClassNotFoundException: a.B",
                    "java.util.ServiceConfigurationError: a.Provider: not a subtype",
                    "java.lang.LinkageError: loader constraint violation",
                    "INFO agent started",
                    "java.lang.IllegalStateException: etcd unavailable")))
        .containsExactly(
            "java.lang.NoClassDefFoundError: a/B",
            "java.lang.ClassNotFoundException: a.B",
            "java.util.ServiceConfigurationError: a.Provider: not a subtype",
            "java.lang.LinkageError: loader constraint violation");
  }
}

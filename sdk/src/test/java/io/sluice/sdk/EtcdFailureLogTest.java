package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdSchemeMismatch;
import io.sluice.testing.logging.BrokenLogHandler;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EtcdFailureLogTest {

  private static final String RETRYING = "; the rules in force stay, retrying in the background";

  private static final Throwable OUTAGE =
      new ExecutionException(Status.UNAVAILABLE.withDescription("io exception").asException());
  private static final Throwable REFUSAL =
      new ExecutionException(
          Status.PERMISSION_DENIED
              .withDescription("etcdserver: permission denied")
              .asRuntimeException());
  private static final Throwable RBAC_DENIAL =
      new ExecutionException(
          Status.PERMISSION_DENIED
              .withDescription("RBAC: access denied\nsecond line")
              .asRuntimeException());
  private static final Throwable TIMEOUT = new ExecutionException(new TimeoutException());

  private static final EtcdFailureLog.Wording WORDING =
      new EtcdFailureLog.Wording(
          "the rules of orders",
          "read of the rules of orders",
          "etcd is unreachable for the rules of orders",
          "etcd is still unreachable for the rules of orders",
          "etcd refuses this agent the rules of orders",
          "etcd still refuses the rules of orders",
          "read the rules",
          RETRYING);

  private final EtcdFailureLog log = logFor(EtcdCredentials.PASSWORD);

  /** A log for an agent that shows etcd {@code credentials}. */
  private static EtcdFailureLog logFor(EtcdCredentials credentials) {
    return new EtcdFailureLog(
        Logger.getLogger(EtcdFailureLogTest.class.getName()),
        WORDING,
        Duration.ofMillis(5000),
        EtcdSchemeMismatch.unknown(),
        List.of(),
        credentials);
  }

  @Test
  void aCutWatchIsSaidAtFineAndLeavesTheOutageToTheRetryThatFails() {
    log.answered();
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.cut(OUTAGE);
      assertThat(log.recovered()).as("a cut resumed at once said nothing to end").isFalse();
      log.cut(OUTAGE);
      log.failed(OUTAGE);
      assertThat(log.recovered()).isTrue();

      String cause = " (StatusException: UNAVAILABLE: io exception)";
      assertThat(said(lines))
          .containsExactly(
              "FINE the watch for the rules of orders ended" + cause + "; resuming",
              "FINE the watch for the rules of orders ended" + cause + "; resuming",
              "WARNING etcd is unreachable for the rules of orders" + cause + RETRYING);
    }
  }

  /**
   * A token that expired between two calls (a JSON web token's time is up between the read and the
   * watch on a busy machine) is refused as invalid without any cut before: said at FINE, a few in a
   * row, as after a cut. A refusal of the user is no stale token without a cut: warned of at once.
   */
  @Test
  void aTokenEtcdCallsInvalidIsStaleWithoutACutBeforeButARefusalOfTheUserIsNot() {
    Throwable invalid =
        new ExecutionException(
            Status.UNAUTHENTICATED
                .withDescription("etcdserver: invalid auth token")
                .asRuntimeException());
    log.answered();
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      assertThat(log.staleToken(REFUSAL, false)).as("a refusal of the user, no cut").isFalse();
      for (int i = 0; i < 3; i++) {
        assertThat(log.staleToken(invalid, false)).as("invalid token %d", i).isTrue();
      }
      assertThat(log.staleToken(invalid, false)).as("past the few in a row").isFalse();
      assertThat(lines.warnings()).isEmpty();
      assertThat(said(lines))
          .hasSize(3)
          .allMatch(line -> line.startsWith("FINE etcd refused the token of the rules of orders"));
    }
  }

  @Test
  void warnsOfAnOutageOnceAStretchAndAnewAfterARecovery() {
    log.answered();
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(OUTAGE);
      log.failed(OUTAGE);
      assertThat(log.recovered()).as("the stretch said something").isTrue();
      assertThat(log.recovered()).as("a stretch that said nothing").isFalse();
      log.failed(OUTAGE);

      String cause = " (StatusException: UNAVAILABLE: io exception)";
      assertThat(said(lines))
          .containsExactly(
              "WARNING etcd is unreachable for the rules of orders" + cause + RETRYING,
              "FINE etcd is still unreachable for the rules of orders" + cause + "; retrying",
              "WARNING etcd is unreachable for the rules of orders" + cause + RETRYING);
    }
  }

  @Test
  void warnsOfARefusalAndAnOutageOnceEachWhateverTheirOrder() {
    log.answered();
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(REFUSAL);
      log.failed(OUTAGE);
      log.failed(REFUSAL);
      log.failed(OUTAGE);

      String refusal =
          " (StatusRuntimeException: PERMISSION_DENIED: etcdserver: permission denied)";
      String outage = " (StatusException: UNAVAILABLE: io exception)";
      assertThat(said(lines))
          .containsExactly(
              "WARNING etcd refuses this agent the rules of orders"
                  + refusal
                  + ": check sluice.etcd.user and sluice.etcd.password, and that the user may read"
                  + " the rules"
                  + RETRYING,
              "WARNING etcd is unreachable for the rules of orders" + outage + RETRYING,
              "FINE etcd still refuses the rules of orders" + refusal + "; retrying",
              "FINE etcd is still unreachable for the rules of orders" + outage + "; retrying");
    }
  }

  /**
   * A refusal says to check the credentials the client shows: a client certificate, or that etcd
   * needs none when none is set; not a user and password the agent does not use.
   */
  @ParameterizedTest
  @EnumSource(EtcdCredentials.class)
  void aRefusalSaysToCheckTheCredentialsTheClientShows(EtcdCredentials credentials) {
    EtcdFailureLog withCredentials = logFor(credentials);
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      withCredentials.failed(REFUSAL);

      String expected =
          switch (credentials) {
            case PASSWORD ->
                "check sluice.etcd.user and sluice.etcd.password, and that the user may read the"
                    + " rules";
            case CLIENT_CERTIFICATE ->
                "check the client certificate (sluice.etcd.tls.cert-file), whose common name etcd"
                    + " takes as the user name when it runs with --client-cert-auth, and that the"
                    + " user may read the rules";
            case NONE ->
                "etcd needs credentials and none is set: set sluice.etcd.user and"
                    + " sluice.etcd.password, or a client certificate (sluice.etcd.tls.cert-file)"
                    + " etcd takes as a user (--client-cert-auth), for a user that may read the"
                    + " rules";
          };
      assertThat(said(lines))
          .singleElement()
          .asString()
          .endsWith(
              " (StatusRuntimeException: PERMISSION_DENIED: etcdserver: permission denied): "
                  + expected
                  + RETRYING);
    }
  }

  @Test
  void saysAnAnswerFromSomethingThatIsNotEtcdOnceWithTheFirstLineOfItsCause() {
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(RBAC_DENIAL);
      log.failed(RBAC_DENIAL);

      List<String> said = said(lines);
      assertThat(said).hasSize(2);
      assertThat(said.get(0))
          .startsWith("WARNING ")
          .contains("answered with an RBAC denial from something that is not etcd")
          .endsWith(
              ", for the rules of orders (StatusRuntimeException: PERMISSION_DENIED: RBAC: access"
                  + " denied): check what stands between this agent and etcd"
                  + RETRYING);
      assertThat(said.get(1))
          .startsWith("FINE ")
          .endsWith(
              ", still, for the rules of orders (StatusRuntimeException: PERMISSION_DENIED: RBAC:"
                  + " access denied); retrying");
    }
  }

  @Test
  void aFirstCallTimingOutBeforeEtcdEverAnsweredIsOneQuietLine() {
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(TIMEOUT);
      log.failed(TIMEOUT);

      List<String> said = said(lines);
      assertThat(said)
          .first()
          .isEqualTo(
              "INFO etcd has not answered the first read of the rules of orders within 5000 ms;"
                  + " retrying (a warning follows if it keeps failing)");
      assertThat(said)
          .hasSize(2)
          .last()
          .asString()
          .startsWith("WARNING etcd is unreachable for the rules of orders (TimeoutException");
    }
  }

  @Test
  void aTimeoutAfterEtcdAnsweredIsAnOutage() {
    log.answered();
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(TIMEOUT);

      assertThat(said(lines))
          .containsExactly(
              "WARNING etcd is unreachable for the rules of orders (TimeoutException)" + RETRYING);
    }
  }

  @Test
  void aLineTheLogHandlerFailedToWriteIsSaidAtTheNextFailure() {
    log.answered();
    try (BrokenLogHandler broken = BrokenLogHandler.on(EtcdFailureLogTest.class)) {
      log.failed(OUTAGE); // the handler throws: nothing reaches the caller
    }
    try (LogCapture lines = LogCapture.of(EtcdFailureLogTest.class, Level.FINE)) {
      log.failed(OUTAGE);

      assertThat(said(lines))
          .containsExactly(
              "WARNING etcd is unreachable for the rules of orders"
                  + " (StatusException: UNAVAILABLE: io exception)"
                  + RETRYING);
    }
  }

  private static List<String> said(LogCapture lines) {
    return lines.records().stream().map(EtcdFailureLogTest::line).toList();
  }

  private static String line(LogRecord record) {
    return record.getLevel() + " " + record.getMessage();
  }
}

package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdExtensionIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  @Order(1)
  void startsARealEtcdOnLoopback() throws Exception {
    assertThat(etcd.endpoint()).startsWith("http://127.0.0.1:");
    HttpResponse<String> version =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/version")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(version.body()).contains("etcdserver");
  }

  @Test
  @Order(2)
  void keepsDataAndPortAcrossStopAndStart() throws Exception {
    EtcdServer server = etcd.server();
    long written = server.put("/sluice/test/key", "survives");
    int port = server.port();

    server.stop();
    assertThat(server.isRunning()).isFalse();
    assertThatThrownBy(server::revision).isInstanceOf(RuntimeException.class);

    server.start();
    assertThat(server.port()).isEqualTo(port);
    assertThat(server.revision()).isGreaterThanOrEqualTo(written);
    assertThat(get("/sluice/test/key")).contains(base64("survives"));
  }

  @Test
  @Order(3)
  void restartsAServerThatATestLeftStopped() {
    etcd.server().stop();
    // The next test finds it running again.
  }

  @Test
  @Order(4)
  void compactsHistory(EtcdServer server) {
    assertThat(server.isRunning()).isTrue();
    server.put("/sluice/test/a", "1");
    server.put("/sluice/test/a", "2");
    long compacted = server.compact();
    assertThat(compacted).isEqualTo(server.revision());
  }

  @Test
  @Order(5)
  void aFrozenServerTakesConnectionsButAnswersNothingUntilThawed(EtcdServer server)
      throws Exception {
    server.freeze();
    try {
      assertThat(server.isFrozen()).isTrue();
      // SIGSTOP is only queued when kill returns: freeze waits for it to stop every thread
      assertThat(server.runningThreads()).as("etcd's threads still running").isEmpty();
      HttpResponse<String> answer;
      try {
        answer =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/version"))
                        .timeout(Duration.ofMillis(500))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException connectedButNoAnswer) {
        answer = null;
      }
      // says who answered, should anything: CI runs saw answers here while freeze did not wait for
      // etcd's threads to stop
      HttpResponse<String> answered = answer;
      assertThat(answered)
          .as(
              () ->
                  "a frozen etcd answered "
                      + etcd.endpoint()
                      + "/version: "
                      + (answered == null ? "" : answered.statusCode() + " " + answered.body())
                      + "; server running: "
                      + server.isRunning()
                      + "; log:\n"
                      + server.logTail())
          .isNull();
    } finally {
      server.thaw();
    }
    assertThat(server.isFrozen()).isFalse();
    assertThat(server.revision()).isPositive();
  }

  @Test
  @Order(6)
  void thawsAServerThatATestLeftFrozen() {
    etcd.server().freeze();
    // The next test finds it answering again.
  }

  @Test
  @Order(7)
  void answersAfterATestLeftItFrozen(EtcdServer server) {
    assertThat(server.isFrozen()).isFalse();
    assertThat(server.revision()).isPositive();
  }

  /**
   * Freezes the etcd of the latest start, not the one before it: the supervisor writes etcd's pid
   * after forking it, and etcd could answer before that while the previous start's pid file was
   * still there, so a freeze right after a restart failed on a pid that was gone.
   */
  @Test
  @Order(8)
  void freezesTheEtcdOfTheLatestStartRightAfterARestart(EtcdServer server) throws Exception {
    server.stop();
    server.start();
    server.freeze();
    try {
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/version"))
                              .timeout(Duration.ofMillis(500))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
          .as("the restarted etcd, frozen, answers nothing")
          .isInstanceOf(HttpTimeoutException.class);
    } finally {
      server.thaw();
    }
    assertThat(server.revision()).isPositive();
  }

  /**
   * A stopped server keeps its ports until it starts again: the system gives them to no other
   * socket meanwhile. A build starts many processes on free ports while a test holds etcd down (30
   * s in some), and one given a port of the stopped server made its restart fail. Connections are
   * refused all the same, as with etcd down. (A socket bound without address reuse stands for one
   * the system would give the port to.)
   */
  @Test
  @Order(9)
  void keepsItsPortsFromOtherProcessesWhileStopped() throws Exception {
    EtcdServer server = etcd.server();
    server.stop();
    try {
      // the bind is tried on the peer port only: the client port keeps a connection of etcd's
      // own gateway in TIME_WAIT for a minute after the stop, which refuses it with or without
      // the hold
      try (Socket other = new Socket()) {
        assertThatThrownBy(() -> other.bind(new InetSocketAddress("127.0.0.1", server.peerPort())))
            .as("a bind to the stopped server's peer port")
            .isInstanceOf(BindException.class);
      }
      for (int port : List.of(server.port(), server.peerPort())) {
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
            .as("a connection to port %d of the stopped server", port)
            .isInstanceOf(ConnectException.class);
      }
    } finally {
      server.start();
    }
    assertThat(server.revision()).isPositive();
  }

  private static String get(String key) throws Exception {
    String json = "{\"key\":\"" + base64(key) + "\"}";
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/v3/kv/range"))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}

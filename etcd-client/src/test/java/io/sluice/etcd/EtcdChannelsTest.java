package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class EtcdChannelsTest {

  @Test
  void findsTheChannelOfAJetcdClientOnceJetcdHasCreatedIt() {
    try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build()) {
      assertThat(EtcdChannels.channel(client))
          .as("jetcd creates its channel on first use")
          .isNull();
      EtcdChannels.reconnectNow(client);

      client.getKVClient();

      assertThat(EtcdChannels.channel(client)).isNotNull();
      assertThat(EtcdChannels.channel(client)).isSameAs(EtcdChannels.channel(client));
    }
  }

  @Test
  void reconnectsAtTheCallersPaceInsteadOfWaitingOutGrpcsBackoff() throws Exception {
    // A server that accepts every connection and closes it at once: each accept is one attempt of
    // the client to connect, each a failure that makes gRPC wait longer before the next.
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Client client =
            Client.builder().endpoints("http://127.0.0.1:" + server.getLocalPort()).build()) {
      AtomicInteger attempts = new AtomicInteger();
      Thread acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket ignored = server.accept()) {
                    attempts.incrementAndGet();
                  } catch (Exception e) {
                    return; // closed
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      client.getKVClient().get(ByteSequence.from("k", StandardCharsets.UTF_8));
      // the first call of a JVM loads gRPC and Netty: over ten seconds on a loaded two-core machine
      await().atMost(Duration.ofSeconds(30)).until(() -> attempts.get() > 0);

      // gRPC alone would make its 8th attempt about 43 s after the first (1 s, growing 1.6-fold;
      // its 6th near 16 s, its 7th near 26 s): 15 s leaves a loaded machine room and still tells
      // the caller's pace from gRPC's.
      long start = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                EtcdChannels.reconnectNow(client);
                return attempts.get() >= 8;
              });
      System.out.println(
          "[measure] 8 connection attempts in "
              + (System.nanoTime() - start) / 1_000_000
              + " ms with a reconnect every 100 ms");
    }
  }

  @Test
  void leavesAClientItCannotSeeIntoAloneWithOneLogLine() {
    Client other =
        (Client)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Client.class},
                (proxy, method, args) -> {
                  throw new UnsupportedOperationException(method.getName());
                });
    Logger log = Logger.getLogger(EtcdChannels.class.getName());
    List<String> messages = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            messages.add(record.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(capture);
    try {
      EtcdChannels.reconnectNow(other);
      EtcdChannels.reconnectNow(other);

      assertThat(EtcdChannels.channel(other)).isNull();
      assertThat(messages)
          .singleElement()
          .asString()
          .contains(other.getClass().getName(), "gRPC's own backoff");
    } finally {
      log.removeHandler(capture);
    }
  }
}

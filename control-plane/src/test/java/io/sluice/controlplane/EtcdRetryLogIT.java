package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.net.RefusedPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The control plane's log while its etcd cannot be reached, as Spring Boot's logging writes it to
 * the console: gRPC's {@code Failed to resolve name} warning, which Spring Boot bridges from
 * java.util.logging, came at every retry of the etcd channel (several a minute, each with the whole
 * status); the control plane's own warning about etcd still comes, once. A real control plane
 * against a closed loopback port, reached through an HTTP proxy whose name does not resolve.
 */
class EtcdRetryLogIT {

  @Test
  void grpcsRetriesOfTheEtcdChannelStayOutOfTheLog() throws Exception {
    int closed = RefusedPorts.any();
    String etcd = "127.0.0.1:" + closed;
    AtomicInteger lookups = new AtomicInteger();
    ProxySelector jvmSelector = ProxySelector.getDefault();
    PrintStream console = System.out;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    // Spring Boot's console appender writes to whatever System.out is at each line
    System.setOut(new PrintStream(new Both(console, log), true, StandardCharsets.UTF_8));
    ProxySelector.setDefault(unresolvableProxyFor(etcd, lookups));
    try (RunningControlPlane controlPlane =
        RunningControlPlane.start(
            ControlPlaneLifecycleIT.withWriter(
                Map.of("sluice.etcd.endpoints", "http://" + etcd, "sluice.etcd.timeout", "2s")))) {
      int atStart = lookups.get();
      await("the etcd channel's name was resolved again and again")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                assertThat(
                        controlPlane
                            .api()
                            .get("/api/v1/services/checkout/rules", ControlPlaneLifecycleIT.WRITER)
                            .status())
                    .isEqualTo(503);
                return lookups.get() >= atStart + 4;
              });
    } finally {
      System.setOut(console);
      ProxySelector.setDefault(jvmSelector);
    }
    String written = log.toString(StandardCharsets.UTF_8);
    assertThat(written)
        .as("the control plane's own warning")
        .contains("cannot look up the proxy for etcd endpoint " + etcd);
    assertThat(written).as("gRPC's, at every retry").doesNotContain("Failed to resolve name");
  }

  /** Names a proxy whose name does not resolve for {@code authority}, and none for the rest. */
  private static ProxySelector unresolvableProxyFor(String authority, AtomicInteger lookups) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        if (!authority.equals(uri.getAuthority())) {
          return List.of(Proxy.NO_PROXY);
        }
        lookups.incrementAndGet();
        return List.of(
            new Proxy(
                Proxy.Type.HTTP,
                InetSocketAddress.createUnresolved("no-such-proxy.invalid", 3128)));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress address, IOException e) {}
    };
  }

  /** Writes to the console and to the captured log alike. */
  private static final class Both extends OutputStream {
    private final OutputStream console;
    private final OutputStream log;

    Both(OutputStream console, OutputStream log) {
      this.console = console;
      this.log = log;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      console.write(b);
      log.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      console.write(b, off, len);
      log.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      console.flush();
    }
  }
}

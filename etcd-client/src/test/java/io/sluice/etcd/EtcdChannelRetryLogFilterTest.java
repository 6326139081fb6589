package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.InternalLogId;
import io.grpc.ManagedChannel;
import io.grpc.ProxyDetector;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.net.RefusedPorts;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * gRPC's {@code Failed to resolve name} warning at every retry of a channel whose proxy cannot be
 * looked up, for a Sluice channel (silenced) and an app's own channel (kept), both dialling a real
 * closed loopback port, with java.util.logging captured where an app's handlers would see it.
 */
class EtcdChannelRetryLogFilterTest {

  private static final String FAILED_TO_RESOLVE = "Failed to resolve name";

  @Test
  void retriesOfASluiceChannelStayOutOfTheLogWhileAnAppsOwnChannelKeepsItsWarnings()
      throws Exception {
    int closed = RefusedPorts.any();
    AtomicInteger sluiceLookups = new AtomicInteger();
    AtomicInteger appLookups = new AtomicInteger();
    try (LogCapture grpc = LogCapture.of("io.grpc")) {
      ManagedChannel sluice =
          channel(
              ProxiedEtcdResolverProvider.target(
                  List.of(new EtcdAddress("127.0.0.1", closed, true))),
              sluiceLookups);
      ManagedChannel app = channel("dns:///127.0.0.1:" + closed, appLookups);
      try {
        await("several resolutions of both channels failed")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  call(sluice);
                  call(app);
                  return sluiceLookups.get() >= 3 && appLookups.get() >= 3;
                });
      } finally {
        sluice.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        app.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      assertThat(formatted(grpc.records()))
          .as("the app's own channel still warns")
          .anyMatch(line -> line.contains(FAILED_TO_RESOLVE) && line.contains("(dns:///"))
          .as("Sluice's channel, retried as often, never does")
          .noneMatch(line -> line.contains("sluice-etcd:"));
    }
  }

  @Test
  void aSluiceChannelsRetriesAreLoggedWhenGrpcIsDebugged() throws Exception {
    int closed = RefusedPorts.any();
    AtomicInteger lookups = new AtomicInteger();
    Logger channels = Logger.getLogger(EtcdChannelRetryLogFilter.CHANNEL_LOGGER);
    Level before = channels.getLevel();
    channels.setLevel(Level.FINE);
    try (LogCapture grpc = LogCapture.of("io.grpc")) {
      ManagedChannel sluice =
          channel(
              ProxiedEtcdResolverProvider.target(
                  List.of(new EtcdAddress("127.0.0.1", closed, true))),
              lookups);
      try {
        await("a resolution failed and was logged")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  call(sluice);
                  return formatted(grpc.records()).stream()
                      .anyMatch(line -> line.contains(FAILED_TO_RESOLVE + ". status="));
                });
      } finally {
        sluice.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      channels.setLevel(before);
    }
  }

  /**
   * The filter as it runs inside the app's gRPC log calls: an app's own filter, set before, is kept
   * and asked once, a second Sluice client in the JVM adds no second layer, and an app's parameter
   * whose {@code toString} throws (an address, an attribute) never makes gRPC's log call throw into
   * the app's channel.
   */
  @Test
  void anAppsFilterIsKeptOnceAndAnAppsParametersAreNeverTurnedIntoText() {
    Logger channels = Logger.getLogger(EtcdChannelRetryLogFilter.CHANNEL_LOGGER);
    Filter before = channels.getFilter();
    List<LogRecord> askedTheApp = new CopyOnWriteArrayList<>();
    channels.setFilter(
        r -> {
          askedTheApp.add(r);
          return true;
        });
    Object throwsWhenPrinted =
        new Object() {
          @Override
          public String toString() {
            throw new IllegalStateException("an app's address that cannot be printed");
          }
        };
    try (LogCapture grpc = LogCapture.of(EtcdChannelRetryLogFilter.CHANNEL_LOGGER)) {
      EtcdChannelRetryLogFilter.install();
      Filter installed = channels.getFilter();
      EtcdChannelRetryLogFilter.install(); // a second Sluice client in the same JVM

      channels.log(
          Level.WARNING,
          "[{0}] Failed to connect to {1}",
          new Object[] {InternalLogId.allocate("Channel", "dns:///app:443"), throwsWhenPrinted});
      channels.log(
          Level.WARNING,
          "[{0}] Failed to resolve name. status={1}",
          new Object[] {InternalLogId.allocate("Channel", "sluice-etcd:///etcd:2379"), "x"});

      assertThat(channels.getFilter()).as("one filter, however many clients").isSameAs(installed);
      assertThat(grpc.messages()).containsExactly("[{0}] Failed to connect to {1}");
      assertThat(askedTheApp).as("the app's filter, for the app's line").hasSize(1);
    } finally {
      channels.setFilter(before);
    }
  }

  /**
   * Two copies of Sluice in one JVM (two webapps, each with its own class loader): the second finds
   * the first one's filter by its class name and adds no layer of its own, which every channel it
   * makes would otherwise add again (the copies' filters are not instances of each other's class).
   */
  @Test
  void aCopyOfSluiceInAnotherClassLoaderFindsTheFilterThere() throws Exception {
    Logger channels = Logger.getLogger(EtcdChannelRetryLogFilter.CHANNEL_LOGGER);
    Filter before = channels.getFilter();
    channels.setFilter(null); // as in a JVM where no copy of Sluice made a channel yet
    URL classes =
        EtcdChannelRetryLogFilter.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader otherWebapp =
        new URLClassLoader(new URL[] {classes}, getClass().getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            // its own copy of Sluice's classes, everything else (gRPC) shared
            if (!name.startsWith("io.sluice.etcd.")) {
              return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
              Class<?> loaded = findLoadedClass(name);
              return loaded != null ? loaded : findClass(name);
            }
          }
        }) {
      Method installThere =
          otherWebapp
              .loadClass(EtcdChannelRetryLogFilter.class.getName())
              .getDeclaredMethod("install");
      installThere.setAccessible(true);
      installThere.invoke(null);
      Filter theOthers = channels.getFilter();
      assertThat(theOthers.getClass()).isNotSameAs(EtcdChannelRetryLogFilter.class);

      EtcdChannelRetryLogFilter.install();

      assertThat(channels.getFilter()).as("no second layer").isSameAs(theOthers);
    } finally {
      channels.setFilter(before);
    }
  }

  /** A channel whose every proxy lookup fails, as when the JVM's proxy name does not resolve. */
  private static ManagedChannel channel(String target, AtomicInteger lookups) {
    ProxyDetector unresolvableProxy =
        address -> {
          lookups.incrementAndGet();
          throw new UnknownHostException("no-such-proxy.invalid");
        };
    return NettyChannelBuilder.forTarget(target)
        .proxyDetector(unresolvableProxy)
        .usePlaintext()
        .build();
  }

  private static void call(ManagedChannel channel) {
    assertThatThrownBy(
            () ->
                KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .range(RangeRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
  }

  private static List<String> formatted(List<LogRecord> records) {
    return records.stream()
        .map(
            r ->
                r.getParameters() == null
                    ? r.getMessage()
                    : java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
        .toList();
  }
}

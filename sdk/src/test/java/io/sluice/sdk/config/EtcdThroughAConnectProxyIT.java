package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.status.StatusReporter;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that reaches etcd through an HTTP {@code CONNECT} proxy (a real one on loopback, named
 * by the JVM's {@code ProxySelector} as {@code https.proxyHost} would), with etcd then stopped
 * behind it. The outage's first failure is the open tunnel closing ({@code Network closed for
 * unknown reason}); every retry after it is the proxy answering {@code 502 Bad Gateway}. The
 * operator reads that the proxy answered 502, so etcd is unreachable behind it: said once, beside
 * the outage's first warning, never once per retry. Before, the 502s were logged at FINE only.
 */
class EtcdThroughAConnectProxyIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /** How long the warnings must stay as they are while the retries go on. */
  private static final Duration ONE_LINE_DURING = Duration.ofSeconds(3);

  @TempDir Path state;

  @Test
  void saysOnceThatTheProxyAnswered502WhenEtcdStopsBehindIt() throws Exception {
    etcd.server()
        .put(
            EtcdKeys.defaults().rules("orders"),
            "{\"schemaVersion\": 1, \"service\": \"orders\","
                + " \"sampling\": {\"defaultRatio\": 0.5}}");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ProxySelector before = ProxySelector.getDefault();
    try (ConnectProxy proxy = ConnectProxy.tunnelling();
        LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class)) {
      ProxySelector.setDefault(new EtcdThrough(proxy, URI.create(etcd.endpoint()), before));
      try (ConfiguredRules agent = agentOf(holder)) {
        agent.start();
        await("rules read through the proxy")
            .atMost(AWAIT)
            .until(() -> holder.current().source() == ActiveRules.Source.ETCD);
        assertThat(proxy.connects()).isNotEmpty();

        String proxy502 =
            "etcd at "
                + etcd.endpoint()
                + " answered with HTTP 502 from the HTTP proxy it is reached through, which could"
                + " not reach etcd (etcd down or cut off behind the proxy: an outage)";
        int connects = proxy.connects().size();
        etcd.server().stop();
        try {
          await("both say the proxy answered 502")
              .atMost(AWAIT)
              .until(
                  () ->
                      warnings(rules).stream().anyMatch(w -> w.contains(proxy502))
                          && warnings(reporter).stream().anyMatch(w -> w.contains(proxy502)));
          await("the retries through the proxy go on, and say nothing more")
              .during(ONE_LINE_DURING)
              .atMost(ONE_LINE_DURING.plus(AWAIT))
              .until(
                  () ->
                      proxy.connects().size() > connects + 2
                          && warnings(rules).size() <= 2
                          && warnings(reporter).size() <= 2);

          assertThat(warnings(rules))
              .as("the rule source's warnings of the outage")
              .allSatisfy(w -> assertThat(w).contains("the rules in force stay"))
              .anySatisfy(w -> assertThat(w).startsWith("etcd is unreachable for the rules of "))
              .filteredOn(w -> w.contains(proxy502))
              .singleElement()
              .asString()
              .endsWith(proxy502 + "); the rules in force stay, retrying in the background");
          assertThat(warnings(reporter))
              .as("the status reporter's warnings of the outage")
              .anySatisfy(w -> assertThat(w).startsWith("could not write the agent status "))
              .filteredOn(w -> w.contains(proxy502))
              .singleElement()
              .asString()
              .contains(" (" + proxy502 + "); retrying");
          assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
        } finally {
          etcd.server().start();
        }
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * When the proxy the JVM names for etcd cannot be looked up (here the {@code ProxySelector}
   * fails, as a broken PAC file does), no endpoint can be dialled: said once, by the rule source
   * and the status reporter as etcd unreachable with the proxy lookup as the reason. The resolver
   * said it too, a second warning for one cause, while the rule source's named only the root cause;
   * gRPC, through java.util.logging, said {@code Failed to resolve name} at every retry.
   */
  @Test
  void saysOnceThatTheProxyCouldNotBeLookedUpForAnyEndpoint() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ProxySelector before = ProxySelector.getDefault();
    try (LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        LogCapture resolver = LogCapture.of("io.sluice.etcd.ProxiedEtcdResolver");
        LogCapture grpc = LogCapture.of("io.grpc")) {
      ProxySelector.setDefault(new FailingFor(URI.create(etcd.endpoint()), before));
      try (ConfiguredRules agent = agentOf(holder)) {
        agent.start();
        String said =
            "cannot look up the proxy for etcd endpoint 127.0.0.1:"
                + etcd.server().port()
                + " (IllegalStateException: the PAC file failed); it is not dialled"
                + " around the proxy";
        await("both say the proxy could not be looked up")
            .atMost(AWAIT)
            .until(() -> !warnings(rules).isEmpty() && !warnings(reporter).isEmpty());
        await("the retries go on, and say nothing more")
            .during(ONE_LINE_DURING)
            .atMost(ONE_LINE_DURING.plus(AWAIT))
            .until(() -> warnings(rules).size() == 1 && warnings(reporter).size() == 1);

        assertThat(warnings(rules))
            .singleElement()
            .asString()
            .isEqualTo(
                "etcd is unreachable for the rules of orders ("
                    + said
                    + "); the rules in force stay, retrying in the background");
        assertThat(warnings(reporter))
            .singleElement()
            .asString()
            .startsWith("could not write the agent status ")
            .contains(" (" + said + "); retrying");
        assertThat(warnings(resolver)).as("the resolver's own warnings").isEmpty();
        assertThat(warnings(grpc)).as("gRPC's, at every retry").isEmpty();
        assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * An outage first said as etcd not answering (its port closed), after which the proxy the JVM
   * names for etcd can no longer be looked up: that is said once more, since nothing else says it
   * above FINE (the resolver leaves it to these warnings). Before, it was logged at FINE only: the
   * operator waited for etcd, while the agent could not have reached it once it was back.
   */
  @Test
  void saysOnceMoreWhenTheProxyCannotBeLookedUpDuringAnOutage() throws Exception {
    etcd.server()
        .put(
            EtcdKeys.defaults().rules("orders"),
            "{\"schemaVersion\": 1, \"service\": \"orders\","
                + " \"sampling\": {\"defaultRatio\": 0.5}}");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ProxySelector before = ProxySelector.getDefault();
    try (LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = agentOf(holder)) {
      agent.start();
      await("rules read from etcd")
          .atMost(AWAIT)
          .until(() -> holder.current().source() == ActiveRules.Source.ETCD);
      etcd.server().stop();
      try {
        await("both say etcd is unreachable")
            .atMost(AWAIT)
            .until(() -> !warnings(rules).isEmpty() && !warnings(reporter).isEmpty());
        ProxySelector.setDefault(new FailingFor(URI.create(etcd.endpoint()), before));
        String said =
            "cannot look up the proxy for etcd endpoint 127.0.0.1:"
                + etcd.server().port()
                + " (IllegalStateException: the PAC file failed); it is not dialled"
                + " around the proxy";
        await("both say the proxy can no longer be looked up")
            .atMost(AWAIT)
            .until(
                () ->
                    warnings(rules).stream().anyMatch(w -> w.contains(said))
                        && warnings(reporter).stream().anyMatch(w -> w.contains(said)));
        await("the retries go on, and say nothing more")
            .during(ONE_LINE_DURING)
            .atMost(ONE_LINE_DURING.plus(AWAIT))
            .until(() -> warnings(rules).size() == 2 && warnings(reporter).size() == 2);

        assertThat(warnings(rules).get(1))
            .isEqualTo(
                "etcd is still unreachable for the rules of orders ("
                    + said
                    + "); the rules in force stay, retrying in the background");
        assertThat(warnings(reporter).get(1))
            .startsWith("still could not write the agent status ")
            .contains(" (" + said + "); retrying");
      } finally {
        ProxySelector.setDefault(before);
        etcd.server().start();
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  private ConfiguredRules agentOf(ActiveRulesHolder holder) {
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "otel.service.name",
                    "orders",
                    "sluice.state.dir",
                    state.toString(),
                    "sluice.etcd.endpoints",
                    etcd.endpoint())
                ::get);
    return ConfiguredRules.builder(config, holder).build();
  }

  private static List<String> warnings(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage)
        .toList();
  }

  /** Fails for etcd's address, as a broken PAC file does; answers as {@code others} otherwise. */
  private static final class FailingFor extends ProxySelector {
    private final URI etcd;
    private final ProxySelector others;

    FailingFor(URI etcd, ProxySelector others) {
      this.etcd = etcd;
      this.others = others;
    }

    @Override
    public List<Proxy> select(URI uri) {
      if (etcd.getHost().equals(uri.getHost()) && etcd.getPort() == uri.getPort()) {
        throw new IllegalStateException("the PAC file failed");
      }
      return others == null ? List.of(Proxy.NO_PROXY) : others.select(uri);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {}
  }

  /**
   * Sends etcd's address through {@code proxy}, everything else where {@code others} does: as
   * {@code https.proxyHost} would, without sending the rest of the test JVM's traffic there.
   */
  private static final class EtcdThrough extends ProxySelector {
    private final ConnectProxy proxy;
    private final URI etcd;
    private final ProxySelector others;

    EtcdThrough(ConnectProxy proxy, URI etcd, ProxySelector others) {
      this.proxy = proxy;
      this.etcd = etcd;
      this.others = others;
    }

    @Override
    public List<Proxy> select(URI uri) {
      if (etcd.getHost().equals(uri.getHost()) && etcd.getPort() == uri.getPort()) {
        return List.of(
            new Proxy(
                Proxy.Type.HTTP,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port())));
      }
      return others == null ? List.of(Proxy.NO_PROXY) : others.select(uri);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
      if (others != null) {
        others.connectFailed(uri, address, failure);
      }
    }
  }
}

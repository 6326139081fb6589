package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.EtcdExtension;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app whose agent may reach etcd only through an HTTP {@code CONNECT} proxy, set the JVM's usual
 * way ({@code https.proxyHost}, {@code https.proxyPort}, {@code http.nonProxyHosts}): a real proxy
 * on loopback in front of the real etcd. While the proxy refuses the tunnel (407) the agent says so
 * once, as the proxy's refusal rather than an outage, and the app serves as usual; once the proxy
 * opens tunnels the agent reads and watches its rules through it. With etcd then stopped behind the
 * proxy, which answers {@code 502 Bad Gateway}, the agent says once that etcd is unreachable (an
 * outage, not something in front of etcd to fix) and once that the proxy answered 502, keeps its
 * rules, and applies a new one once etcd is back. Before, the agent's etcd client ignored the proxy
 * settings and dialled etcd directly.
 */
class EtcdThroughAProxyIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String SERVICE = "it-proxied";

  /** How long the refusal must stay one line per part of the agent while the retries go on. */
  private static final Duration ONE_LINE_DURING = Duration.ofSeconds(3);

  @Test
  void theAgentReachesEtcdThroughTheJvmsProxyAndSaysOnceWhenTheProxyRefuses(@TempDir Path state)
      throws Exception {
    String etcdAddress = "127.0.0.1:" + URI.create(etcd.endpoint()).getPort();
    long revision =
        etcd.server().put(EtcdKeys.defaults().rules(SERVICE), Rules.sampling(SERVICE, 0.5, "[]"));
    try (ConnectProxy proxy = ConnectProxy.refusing();
        Downstream downstream = Downstream.start()) {
      Map<String, String> properties = AgentApp.withoutExporters(SERVICE);
      properties.put("sluice.etcd.endpoints", etcd.endpoint());
      properties.put("sluice.state.dir", state.toString());
      properties.putAll(proxy.jvmProperties());
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
          EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
        String refused =
            "etcd at "
                + etcd.endpoint()
                + " answered with HTTP 407 from something that is not etcd (the HTTP proxy it is"
                + " reached through refused CONNECT), for ";
        String rulesRefused = refused + "the rules of " + SERVICE + " (";
        String statusRefused = refused + "the agent status /sluice/v1/agents/" + SERVICE + "/";
        await("the agent says the proxy refused the tunnel")
            .atMost(Duration.ofSeconds(90))
            .until(() -> app.log().contains(rulesRefused) && app.log().contains(statusRefused));
        await("the retries go on through the proxy, and say nothing more")
            .during(ONE_LINE_DURING)
            .atMost(ONE_LINE_DURING.plusSeconds(30))
            .until(
                () ->
                    occurrences(app.log(), rulesRefused) == 1
                        && occurrences(app.log(), statusRefused) == 1);
        int refusedConnects = proxy.connects().size();
        assertThat(refusedConnects).as("CONNECTs refused while the agent retried").isGreaterThan(2);
        assertThat(status.of(SERVICE)).as("no status written past the proxy").isEmpty();
        AppAnswer answer = app.call("jdk", "GET", downstream.url("/while-refused"), Map.of());
        assertThat(answer.failed()).as(answer.error()).isFalse();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(app.healthy()).isTrue();

        proxy.openTunnels(true);
        status.awaitAgent(SERVICE, app);
        status.awaitApplied(SERVICE, revision, app);
        long changed =
            etcd.server()
                .put(EtcdKeys.defaults().rules(SERVICE), Rules.sampling(SERVICE, 1.0, "[]"));
        status.awaitApplied(SERVICE, changed, app);

        assertThat(proxy.connects())
            .as("every connection to etcd asked of the proxy")
            .hasSizeGreaterThan(refusedConnects)
            .containsOnly(etcdAddress);

        // etcd down behind the proxy, which answers its CONNECTs 502: an outage, said once (the
        // first failure is the open tunnel closing), and no proxy's answer to fix; the proxy's
        // 502 is said once too, the outage's most telling failure (it was logged at FINE only)
        String outage = "etcd is unreachable for the rules of " + SERVICE + " (";
        String proxy502 =
            " ("
                + "etcd at "
                + etcd.endpoint()
                + " answered with HTTP 502 from the HTTP proxy it is reached through, which could"
                + " not reach etcd (etcd down or cut off behind the proxy: an outage))";
        String rules502 = "unreachable for the rules of " + SERVICE + proxy502;
        String status502 = proxy502 + "; retrying, at longer intervals";
        String notEtcd = "from something that is not etcd";
        int notEtcdBefore = occurrences(app.log(), notEtcd);
        int connectsBefore = proxy.connects().size();
        etcd.server().stop();
        try {
          await("the agent says etcd is unreachable behind the proxy, which answered 502")
              .atMost(Duration.ofSeconds(90))
              .until(
                  () ->
                      occurrences(app.log(), outage) == 1
                          && occurrences(app.log(), rules502) == 1
                          && occurrences(app.log(), status502) == 1);
          int connectsAtOutage = proxy.connects().size();
          await("the retries go on through the proxy, answered 502, and say nothing more")
              .during(ONE_LINE_DURING)
              .atMost(ONE_LINE_DURING.plusSeconds(30))
              .until(
                  () ->
                      occurrences(app.log(), outage) == 1
                          && occurrences(app.log(), rules502) == 1
                          && occurrences(app.log(), status502) == 1
                          && occurrences(app.log(), notEtcd) == notEtcdBefore);
          await("the agent retries through the proxy while etcd is down")
              .atMost(Duration.ofSeconds(30))
              .until(() -> proxy.connects().size() > Math.max(connectsBefore, connectsAtOutage));
          assertThat(occurrences(app.log(), notEtcd))
              .as("a proxy's 502 told as something that is not etcd")
              .isEqualTo(notEtcdBefore);
          assertThat(lineWith(app.log(), outage)).contains("the rules in force stay");
          AppAnswer during = app.call("jdk", "GET", downstream.url("/etcd-down"), Map.of());
          assertThat(during.failed()).as(during.error()).isFalse();
          assertThat(during.status()).isEqualTo(200);
        } finally {
          etcd.server().start();
        }
        // etcd back: the rules applied before the outage are still in force, a new one applies
        status.awaitApplied(SERVICE, changed, app);
        long afterOutage =
            etcd.server()
                .put(EtcdKeys.defaults().rules(SERVICE), Rules.sampling(SERVICE, 0.25, "[]"));
        status.awaitApplied(SERVICE, afterOutage, app);
        assertThat(app.log())
            .doesNotContain("Exception in thread")
            .doesNotContain("built-in defaults");
      }
    }
  }

  /** The log line that holds {@code part}. */
  private static String lineWith(String log, String part) {
    return log.lines().filter(line -> line.contains(part)).findFirst().orElseThrow();
  }

  private static int occurrences(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }
}

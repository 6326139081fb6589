package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.etcd.EtcdAddress;
import io.sluice.rules.wire.EtcdKeys;
import java.net.URI;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the etcd client: to the configured cluster, or to an embedded etcd started on demand. */
@Configuration(proxyBeanMethods = false)
class EtcdConfiguration {

  @Bean(destroyMethod = "close")
  EmbeddedEtcdHolder embeddedEtcd(EtcdSettings settings, StateSettings state) {
    if (!settings.embedded()) {
      return new EmbeddedEtcdHolder(null);
    }
    state.checkTemporaryFallback();
    return new EmbeddedEtcdHolder(
        EmbeddedEtcd.start(
            state.dir(), System.getenv().getOrDefault("PATH", ""), settings.maxRequestBytes()));
  }

  /**
   * Closed by the context after every bean built on it: the gateway, told first that the client is
   * closing ({@link EtcdGateway#clientClosing}), and the {@link PrefixWatches} on it, which close
   * every watch first ({@link PrefixWatches#close}), whether or not its feature stopped it.
   */
  @Bean(destroyMethod = "close")
  Client etcdClient(EtcdSettings settings, EmbeddedEtcdHolder embedded, OutstandingCalls calls)
      throws SSLException {
    return clientBuilder(settings, endpoints(settings, embedded)).interceptor(calls).build();
  }

  /** The client's calls still waiting, cancelled when the control plane stops. */
  @Bean
  OutstandingCalls etcdOutstandingCalls(EtcdSettings settings) {
    return new OutstandingCalls(settings.timeout());
  }

  /** The endpoints the client dials: the settings' or the embedded etcd's. */
  private static List<String> endpoints(EtcdSettings settings, EmbeddedEtcdHolder embedded) {
    return embedded.etcd() == null ? settings.endpoints() : List.of(embedded.etcd().endpoint());
  }

  /**
   * The client's settings, built without connecting (jetcd connects on first use).
   *
   * @param endpoints checked endpoints: the settings' or the embedded etcd's
   */
  static ClientBuilder clientBuilder(EtcdSettings settings, List<String> endpoints)
      throws SSLException {
    ClientBuilder builder =
        Client.builder()
            .target(EtcdSettings.grpcTarget(endpoints))
            .connectTimeout(settings.timeout())
            .maxInboundMessageSize(EtcdGateway.MAX_INBOUND_MESSAGE_BYTES)
            .retryDelay(EtcdSettings.CLIENT_RETRY_DELAY.toMillis())
            .retryChronoUnit(ChronoUnit.MILLIS)
            .retryMaxDuration(settings.timeout());
    if (settings.user() != null) {
      builder.user(EtcdGateway.bytes(settings.user()));
      builder.password(EtcdGateway.bytes(settings.password()));
    }
    if (settings.usesTls()) {
      EtcdSettings.Tls tls = settings.tls();
      // gRPC's own builder: it enables ALPN with HTTP/2, which gRPC's Netty channel requires
      SslContextBuilder ssl = GrpcSslContexts.forClient();
      if (tls.caFile() != null) {
        ssl.trustManager(tls.caFile().toFile());
      }
      if (tls.certFile() != null) {
        ssl.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
      }
      builder.sslContext(ssl.build());
      if (tls.authority() != null) {
        builder.authority(tls.authority());
      }
    }
    return builder;
  }

  /**
   * Told the client is closing ({@link EtcdGateway#clientClosing}) before the client closes: the
   * context destroys a bean's dependents first, this gateway before the client it is built on.
   * Calls after that (a request or a health check still running as the control plane stops) are
   * refused as the client closed, not as an etcd outage; so are those the stop cancels a little
   * earlier ({@link OutstandingCalls#stopping()}).
   */
  @Bean(destroyMethod = "clientClosing")
  EtcdGateway etcdGateway(
      Client client,
      OutstandingCalls calls,
      EtcdSettings settings,
      EmbeddedEtcdHolder embedded,
      StartFindings findings,
      EtcdOutageLog outageLog) {
    // any call etcd answers (a watch's read, an API call), not only health's, ends the start's
    // findings (an outage hours later must not be shown with them) and the API's stretch of 503s
    return EtcdGateway.builder(client, new EtcdKeys(settings.namespace()), settings.timeout())
        .maxRequestBytes(settings.maxRequestBytes())
        .credentials(settings.credentials())
        // health's read, and every read once health finds etcd unreachable (EtcdHealthCheck)
        .healthTimeout(settings.healthDeadline())
        .answers(
            new EtcdGateway.Answers() {
              @Override
              public void served() {
                findings.forget();
                outageLog.etcdAnswered();
              }

              @Override
              public void refused() {
                // etcd answering too: the outage is over (the start's findings may say the refusal)
                outageLog.etcdAnswered();
              }
            })
        .endpoints(endpoints(settings, embedded).stream().map(URI::create).toList())
        .embedded(embedded.runs())
        // calls stamped on the outage log's clock, which compares their send times with recoveries
        .nanoTime(outageLog::now)
        // the stop cancels the waiting calls before the client closes: that is its close too
        .stopping(calls::stopping)
        .build();
  }

  /** Runs watch restarts and other small background jobs of the etcd mirrors. */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService etcdScheduler() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "sluice-etcd-watch");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Closed before the client and the scheduler it is built on (the context closes a bean's
   * dependents first): every watch stops before the client closes under it.
   */
  @Bean(destroyMethod = "close")
  PrefixWatches prefixWatches(EtcdGateway etcd, ScheduledExecutorService etcdScheduler) {
    return new PrefixWatches(etcd, etcdScheduler);
  }

  @Bean
  WatchesHealthIndicator watchesHealthIndicator(PrefixWatches watches) {
    return new WatchesHealthIndicator(watches);
  }

  /** How the API's 503s of an etcd outage are logged: once per stretch, not once per call. */
  @Bean
  EtcdOutageLog etcdOutageLog() {
    return new EtcdOutageLog();
  }

  @Bean
  StartFindings etcdStartFindings() {
    return new StartFindings();
  }

  @Bean
  EtcdWarmUp etcdWarmUp(
      Client client,
      EtcdGateway etcd,
      EtcdSettings settings,
      EmbeddedEtcdHolder embedded,
      StartFindings findings) {
    List<EtcdAddress> addresses =
        endpoints(settings, embedded).stream()
            .map(endpoint -> EtcdAddress.of(URI.create(endpoint)))
            .filter(Objects::nonNull)
            .toList();
    boolean plainText =
        !addresses.isEmpty()
            && endpoints(settings, embedded).stream()
                .allMatch(e -> e.toLowerCase(Locale.ROOT).startsWith("http://"));
    return new EtcdWarmUp(
        client, etcd, new EndpointProbe(addresses, etcd.timeout(), plainText), findings);
  }

  @Bean
  FirstReadGate firstReadGate(PrefixWatches watches, EtcdGateway etcd) {
    return new FirstReadGate(watches, etcd.timeout());
  }

  /** Reads the embedded etcd's runs as the gateway does: the same {@link EmbeddedEtcdRuns}. */
  @Bean
  EtcdHealthIndicator etcdHealthIndicator(
      EtcdGateway etcd, StartFindings findings, EmbeddedEtcdHolder embedded) {
    return new EtcdHealthIndicator(etcd, findings, embedded.runs());
  }

  /** The embedded etcd, or none when a cluster is configured. */
  record EmbeddedEtcdHolder(EmbeddedEtcd etcd) implements AutoCloseable {

    /**
     * Its runs and trouble ({@link EmbeddedEtcdRuns}); {@link EmbeddedEtcdRuns#NONE} without one.
     */
    EmbeddedEtcdRuns runs() {
      return etcd == null ? EmbeddedEtcdRuns.NONE : etcd;
    }

    @Override
    public void close() {
      if (etcd != null) {
        etcd.close();
      }
    }
  }
}

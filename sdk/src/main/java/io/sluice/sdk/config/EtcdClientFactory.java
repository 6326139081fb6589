package io.sluice.sdk.config;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.etcd.EtcdAddress;
import io.sluice.etcd.ProxiedEtcdResolverProvider;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link SluiceConfig} into a jetcd {@link Client}: endpoints, user and password, and TLS
 * through gRPC-Netty's {@link GrpcSslContexts} (the only TLS setup jetcd's Netty transport
 * accepts).
 *
 * <p>Building a client opens no connection: jetcd connects on first use, so a rule source or status
 * reporter can be built on the application's start thread and do its I/O later in {@code start()}.
 * Whoever creates a client closes it.
 */
public final class EtcdClientFactory {

  /** How long a single connection attempt may take before jetcd tries again. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /**
   * How long jetcd waits before it retries a call (doubling up to its 2.5 s maximum, twice at most;
   * jetcd's own default is 500 ms). A call refused for an expired token (etcd's JSON web tokens
   * expire a fixed time after they are issued) is retried after jetcd has logged in again: after
   * 500 ms, the status reporter's revoke at close, which waits {@code REVOKE_TIMEOUT} (500 ms),
   * came too late and the key outlived the app by a lease TTL. Other retries (etcd unavailable)
   * only come sooner; every caller keeps its own backoff on top.
   */
  static final Duration RETRY_DELAY = Duration.ofMillis(100);

  private EtcdClientFactory() {}

  /**
   * A new client for the configured etcd; a TLS file that cannot be used is named as the
   * configuration says it was given ({@link SluiceConfig#settingNames()}).
   *
   * @throws IllegalArgumentException when etcd is not configured
   * @throws EtcdTlsException when a TLS file cannot be read or used
   */
  public static Client create(SluiceConfig config) {
    return create(config, config.settingNames());
  }

  /**
   * As {@link #create(SluiceConfig)}, with a TLS file that cannot be used named where {@code names}
   * says it was set ({@code environment variable SLUICE_ETCD_TLS_CA_FILE=/x: no such file}, see
   * {@link ConfigLookup#withOrigins}) rather than by its key: the files are read only now, long
   * after the configuration that named them was read.
   *
   * @throws IllegalArgumentException when etcd is not configured
   * @throws EtcdTlsException when a TLS file cannot be read or used
   */
  public static Client create(SluiceConfig config, ConfigLookup names) {
    ClientBuilder builder = builder(config, names);
    Vertx vertx = privateVertx();
    try {
      // the client closes it with itself
      return builder.vertx(vertx).build();
    } catch (RuntimeException | Error e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * The Vert.x instance a client keeps its leases alive with, made here rather than by jetcd.
   *
   * <p>jetcd makes its own lazily, on the first lease keep-alive, with Vert.x's default file system
   * options: a cache directory ({@code vertx-cache-*} in the temporary directory) and a JVM
   * shutdown hook to delete it. A status reporter's first write that is still on its way when the
   * app's {@code main} returns then makes it during the JVM's shutdown: the hook is refused
   * ("Shutdown in progress"), the write fails with a misleading warning and the directory is left
   * behind, one per run. An etcd client resolves no files from the class path and caches none, so
   * this one has neither the cache nor the hook. Daemon threads, as jetcd's own.
   */
  static Vertx privateVertx() {
    return Vertx.vertx(
        new VertxOptions()
            .setUseDaemonThread(true)
            .setFileSystemOptions(
                new FileSystemOptions()
                    .setClassPathResolvingEnabled(false)
                    .setFileCachingEnabled(false)));
  }

  /**
   * A jetcd builder prepared from the configuration, for callers that add settings of their own.
   *
   * @throws IllegalArgumentException when etcd is not configured
   * @throws EtcdTlsException when a TLS file cannot be read or used
   */
  public static ClientBuilder builder(SluiceConfig config) {
    return builder(config, config.settingNames());
  }

  /**
   * As {@link #builder(SluiceConfig)}, naming TLS files as {@link #create(SluiceConfig,
   * ConfigLookup)}.
   */
  static ClientBuilder builder(SluiceConfig config, ConfigLookup names) {
    Objects.requireNonNull(names, "names");
    if (!config.usesEtcd()) {
      throw new IllegalArgumentException(
          ConfigKeys.ETCD_ENDPOINTS
              + " ("
              + ConfigKeys.environmentVariable(ConfigKeys.ETCD_ENDPOINTS)
              + ") is not set: there is no etcd to connect to");
    }
    ClientBuilder builder =
        Client.builder()
            .target(target(config))
            .connectTimeout(CONNECT_TIMEOUT)
            .retryDelay(RETRY_DELAY.toMillis())
            .retryChronoUnit(ChronoUnit.MILLIS)
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(Duration.ofSeconds(5))
            // Calls fail fast while etcd is away instead of queueing: the callers retry with
            // their own backoff (cutting gRPC's reconnect backoff short, see EtcdChannels) and
            // keep the rules they have.
            .waitForReady(false);
    if (config.etcdUser() != null) {
      builder
          .user(ByteSequence.from(config.etcdUser(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(config.etcdPassword(), StandardCharsets.UTF_8));
    }
    if (config.tls() != null) {
      builder.sslContext(sslContext(config.tls(), names));
      if (config.tls().authority() != null) {
        builder.authority(config.tls().authority());
      }
    }
    return builder;
  }

  /**
   * The gRPC target for the endpoints, {@code sluice-etcd:///host:port,...}: the addresses jetcd's
   * {@code endpoints(...)} would dial, but from the host and port {@link EtcdAddress} reads (jetcd
   * takes the host from {@link java.net.URI#getHost()}, which is null for a name with {@code _},
   * docker-compose's {@code etcd_1}, and refuses such an endpoint, while gRPC resolves and connects
   * to it), and resolved through the JVM's proxy settings, which jetcd's own resolvers ignore (see
   * {@link ProxiedEtcdResolverProvider}).
   */
  private static String target(SluiceConfig config) {
    return ProxiedEtcdResolverProvider.target(
        config.etcdEndpoints().stream().map(EtcdClientFactory::address).toList());
  }

  private static EtcdAddress address(URI endpoint) {
    EtcdAddress address = EtcdAddress.of(endpoint);
    if (address == null || address.port() < 1) {
      // a SluiceConfig checks its endpoints, so this guards only against a future bug there
      throw new IllegalArgumentException(
          ConfigKeys.ETCD_ENDPOINTS
              + "="
              + SluiceConfig.withoutPasswords(endpoint.toString())
              + ": needs a host and a port");
    }
    return address;
  }

  /**
   * The client-side TLS context for {@code tls}, reading each of its PEM files once each time it is
   * made: the context is made of the very content that was checked ({@link EtcdTlsFiles}).
   */
  static SslContext sslContext(EtcdTls tls) {
    return sslContext(tls, KEYS);
  }

  /**
   * As {@link #sslContext(EtcdTls)}, each file named where {@code names} says it was set, and made
   * again from the files whenever they change ({@link ReloadingSslContext}).
   */
  static SslContext sslContext(EtcdTls tls, ConfigLookup names) {
    return ReloadingSslContext.of(tls, files -> fromFiles(files, names));
  }

  /** A context of {@code tls}'s files as they are now, not made again; for tests. */
  static SslContext sslContextOnce(EtcdTls tls) {
    return fromFiles(tls, KEYS);
  }

  /** A context of {@code tls}'s files as they are now. */
  private static SslContext fromFiles(EtcdTls tls, ConfigLookup names) {
    EtcdTlsFiles files = EtcdTlsFiles.read(tls, names);
    SslContextBuilder ssl = GrpcSslContexts.forClient();
    List<String> problems = files.applyTo(ssl);
    if (!problems.isEmpty()) {
      // said plainly, every file at once, each with its key: Netty would name only the first
      // file, as "does not contain valid certificates"
      throw new EtcdTlsException(
          "could not set up TLS for etcd: " + String.join("; ", problems), null);
    }
    try {
      return ssl.build();
    } catch (IOException | IllegalArgumentException e) {
      // Netty refused what the JDK read
      throw new EtcdTlsException(
          "could not set up TLS for etcd from " + tls + ": " + e.getMessage(), e);
    }
  }

  /** Names every setting by its key, for a configuration that does not say where it was set. */
  private static final ConfigLookup KEYS = ConfigLookup.of(key -> null);

  /**
   * Why each of {@code tls}'s files cannot be used, one message per file, each naming the file's
   * setting as {@code names} says ({@code sluice.etcd.tls.ca-file=/x: no such file}, {@code
   * builder().tls(…).caFile()=/x: no such file}); empty when all can. Reads and parses the files as
   * the client does, so a configuration built in code is refused with the names its user wrote
   * rather than failing later, when the client is made, with keys.
   */
  static List<String> tlsFileProblems(EtcdTls tls, ConfigLookup names) {
    return EtcdTlsFiles.read(tls, names).problems();
  }
}

package io.sluice.sdk.config;

import io.sluice.etcd.EtcdAddress;
import io.sluice.rules.wire.EtcdKeys;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where an agent gets its rules and keeps its state: etcd endpoints and credentials, a local rules
 * file, the last-known-good directory and the service name. Immutable and always valid.
 *
 * <p>Programmatic configuration is the base ({@link #builder()}); {@link #fromProperties} maps the
 * keys of {@link ConfigKeys} onto it from any lookup, so the javaagent can pass OpenTelemetry's
 * {@code ConfigProperties::getString} and a plain application {@link #fromSystem()} (system
 * properties, then environment variables).
 *
 * @param etcdEndpoints etcd URLs ({@code http://host:port} or {@code https://host:port}, the scheme
 *     in lower case whatever case it was given in; a host name may have a {@code _}, see {@link
 *     EtcdAddress}); empty when etcd is not used
 * @param namespace the etcd key prefix, e.g. {@code /sluice}
 * @param etcdUser the etcd user, or {@code null} without authentication
 * @param etcdPassword the etcd password, or {@code null} without authentication
 * @param tls TLS settings, or {@code null} for plain text
 * @param rulesFile a local rule document, or {@code null}
 * @param stateDir where last-known-good snapshots live
 * @param serviceName the service whose rule document applies, or {@code null} when unknown
 */
public record SluiceConfig(
    List<URI> etcdEndpoints,
    String namespace,
    String etcdUser,
    String etcdPassword,
    EtcdTls tls,
    Path rulesFile,
    Path stateDir,
    String serviceName) {

  public SluiceConfig {
    etcdEndpoints = List.copyOf(etcdEndpoints);
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(stateDir, "stateDir");
  }

  /**
   * A builder with every default: no etcd, no file, namespace {@code /sluice}, {@code ~/.sluice}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the keys of {@link ConfigKeys} from {@code lookup} (which answers {@code null} or blank
   * for an absent key). Values are trimmed, except the etcd and TLS key passwords, which are kept
   * as given.
   *
   * @throws IllegalArgumentException naming every bad key and its value
   */
  public static SluiceConfig fromProperties(Function<String, String> lookup) {
    Objects.requireNonNull(lookup, "lookup");
    Builder builder = builder();
    List<String> errors = new ArrayList<>();
    String endpoints = value(lookup, ConfigKeys.ETCD_ENDPOINTS);
    if (endpoints != null) {
      for (String endpoint : endpoints.split(",")) {
        if (!endpoint.isBlank()) {
          try {
            builder.addEtcdEndpoint(URI.create(endpoint.strip()));
          } catch (IllegalArgumentException e) {
            errors.add(
                ConfigKeys.ETCD_ENDPOINTS
                    + "="
                    + withoutPasswords(endpoints)
                    + ": '"
                    + withoutPasswords(endpoint.strip())
                    + "' is not a URL");
          }
        }
      }
    }
    String namespace = value(lookup, ConfigKeys.ETCD_NAMESPACE);
    if (namespace != null) {
      builder.namespace(namespace);
    }
    // spaces around a password are part of it: trimmed, it would fail etcd's authentication
    builder.etcdCredentials(
        value(lookup, ConfigKeys.ETCD_USER), secret(lookup, ConfigKeys.ETCD_PASSWORD));
    Path ca = path(lookup, ConfigKeys.ETCD_TLS_CA_FILE, errors);
    Path cert = path(lookup, ConfigKeys.ETCD_TLS_CERT_FILE, errors);
    Path key = path(lookup, ConfigKeys.ETCD_TLS_KEY_FILE, errors);
    String keyPassword = secret(lookup, ConfigKeys.ETCD_TLS_KEY_PASSWORD);
    String authority = value(lookup, ConfigKeys.ETCD_TLS_AUTHORITY);
    String enabled = value(lookup, ConfigKeys.ETCD_TLS_ENABLED);
    boolean tlsOn = false;
    if (enabled != null) {
      switch (enabled.toLowerCase(Locale.ROOT)) {
        case "true" -> tlsOn = true;
        case "false" -> tlsOffContradictions(lookup, enabled, builder.etcdEndpoints, errors);
        default ->
            errors.add(ConfigKeys.ETCD_TLS_ENABLED + "=" + enabled + ": must be true or false");
      }
    }
    if (tlsOn
        || ca != null
        || cert != null
        || key != null
        || keyPassword != null
        || authority != null) {
      builder.tls(new EtcdTls(ca, cert, key, keyPassword, authority));
    }
    Path rulesFile = path(lookup, ConfigKeys.RULES_FILE, errors);
    if (rulesFile != null) {
      builder.rulesFile(rulesFile);
    }
    Path stateDir = path(lookup, ConfigKeys.STATE_DIR, errors);
    if (stateDir != null) {
      builder.stateDir(stateDir);
    }
    String service = value(lookup, ConfigKeys.SERVICE_NAME);
    if (service != null) {
      builder.serviceName(service);
    }
    return builder.build(errors);
  }

  /**
   * With {@code sluice.etcd.tls.enabled=false}, every other TLS key and every {@code https://}
   * endpoint would turn TLS on all the same: each such contradiction is an error naming both.
   */
  private static void tlsOffContradictions(
      Function<String, String> lookup, String enabled, List<URI> endpoints, List<String> errors) {
    String refused = ConfigKeys.ETCD_TLS_ENABLED + "=" + enabled + ": contradicts ";
    for (String key :
        List.of(
            ConfigKeys.ETCD_TLS_CA_FILE,
            ConfigKeys.ETCD_TLS_CERT_FILE,
            ConfigKeys.ETCD_TLS_KEY_FILE,
            ConfigKeys.ETCD_TLS_KEY_PASSWORD,
            ConfigKeys.ETCD_TLS_AUTHORITY)) {
      String set = value(lookup, key);
      if (set != null) {
        errors.add(
            refused
                + key
                + (key.equals(ConfigKeys.ETCD_TLS_KEY_PASSWORD) ? "" : "=" + set)
                + ", which needs TLS; remove one of the two");
      }
    }
    for (URI endpoint : endpoints) {
      if (scheme(endpoint).equals("https")) {
        errors.add(
            refused
                + ConfigKeys.ETCD_ENDPOINTS
                + "="
                + withoutPasswords(endpoint.toString())
                + " (https:// is TLS); use http:// or remove "
                + ConfigKeys.ETCD_TLS_ENABLED);
      }
    }
  }

  /** Reads the keys from system properties, then environment variables. */
  public static SluiceConfig fromSystem() {
    return fromProperties(propertiesThenEnvironment(System::getProperty, System::getenv));
  }

  /**
   * A lookup that asks {@code properties} for the key, then {@code environment} for the key's
   * environment variable ({@link ConfigKeys#environmentVariable}).
   */
  public static Function<String, String> propertiesThenEnvironment(
      Function<String, String> properties, Function<String, String> environment) {
    Objects.requireNonNull(properties, "properties");
    Objects.requireNonNull(environment, "environment");
    return key -> {
      String value = properties.apply(key);
      return value != null && !value.isBlank()
          ? value
          : environment.apply(ConfigKeys.environmentVariable(key));
    };
  }

  /** Whether etcd is configured. */
  public boolean usesEtcd() {
    return !etcdEndpoints.isEmpty();
  }

  /** The etcd key layout under {@link #namespace()}. */
  public EtcdKeys etcdKeys() {
    return new EtcdKeys(namespace);
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder builder =
        builder()
            .namespace(namespace)
            .etcdCredentials(etcdUser, etcdPassword)
            .tls(tls)
            .rulesFile(rulesFile)
            .stateDir(stateDir)
            .serviceName(serviceName);
    etcdEndpoints.forEach(builder::addEtcdEndpoint);
    return builder;
  }

  /** Never shows the password. */
  @Override
  public String toString() {
    return "SluiceConfig[etcdEndpoints="
        + withoutPasswords(etcdEndpoints.toString())
        + ", namespace="
        + namespace
        + ", etcdUser="
        + etcdUser
        + ", etcdPassword="
        + (etcdPassword == null ? "null" : "****")
        + ", tls="
        + tls
        + ", rulesFile="
        + rulesFile
        + ", stateDir="
        + stateDir
        + ", serviceName="
        + serviceName
        + "]";
  }

  /** {@code text} with every URL's password hidden (see {@link EtcdAddress#withoutPasswords}). */
  static String withoutPasswords(String text) {
    return EtcdAddress.withoutPasswords(text);
  }

  /** The URL's scheme in lower case (RFC 3986: schemes are case-insensitive), or empty. */
  private static String scheme(URI url) {
    return url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
  }

  private static String value(Function<String, String> lookup, String key) {
    String value = lookup.apply(key);
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** A password as given, spaces included; {@code null} when absent or blank. */
  private static String secret(Function<String, String> lookup, String key) {
    String value = lookup.apply(key);
    return value == null || value.isBlank() ? null : value;
  }

  private static Path path(Function<String, String> lookup, String key, List<String> errors) {
    String value = value(lookup, key);
    if (value == null) {
      return null;
    }
    try {
      return expandHome(value);
    } catch (InvalidPathException e) {
      errors.add(key + "=" + value + ": not a valid path (" + e.getReason() + ")");
      return null;
    }
  }

  private static Path expandHome(String value) {
    if (value.equals("~") || value.startsWith("~/")) {
      return Path.of(System.getProperty("user.home"), value.substring(1).replaceFirst("^/", ""));
    }
    return Path.of(value);
  }

  /**
   * Builds a {@link SluiceConfig}; {@link #build()} checks every value and lists every problem with
   * the bad value.
   */
  public static final class Builder {
    private final List<URI> etcdEndpoints = new ArrayList<>();
    private String namespace = EtcdKeys.DEFAULT_NAMESPACE;
    private String etcdUser;
    private String etcdPassword;
    private EtcdTls tls;
    private Path rulesFile;
    private Path stateDir;
    private String serviceName;

    private Builder() {}

    /** Adds an etcd endpoint such as {@code http://127.0.0.1:2379}. */
    public Builder addEtcdEndpoint(URI endpoint) {
      etcdEndpoints.add(Objects.requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /** Adds an etcd endpoint such as {@code http://127.0.0.1:2379}. */
    public Builder addEtcdEndpoint(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      URI url;
      try {
        url = URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        // URI's own message quotes the whole input, password included
        throw new IllegalArgumentException(
            ConfigKeys.ETCD_ENDPOINTS + "=" + withoutPasswords(endpoint) + ": not a URL");
      }
      return addEtcdEndpoint(url);
    }

    /** The etcd key prefix, default {@code /sluice}. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /** etcd user and password; both or neither. */
    public Builder etcdCredentials(String user, String password) {
      this.etcdUser = user;
      this.etcdPassword = password;
      return this;
    }

    /** TLS settings, or {@code null} for plain text. */
    public Builder tls(EtcdTls tls) {
      this.tls = tls;
      return this;
    }

    /** A local rule document, or {@code null}. */
    public Builder rulesFile(Path rulesFile) {
      this.rulesFile = rulesFile;
      return this;
    }

    /** Where last-known-good snapshots live, default {@code ~/.sluice}. */
    public Builder stateDir(Path stateDir) {
      this.stateDir = stateDir;
      return this;
    }

    /** The service name ({@code otel.service.name}). */
    public Builder serviceName(String serviceName) {
      this.serviceName = serviceName;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming every bad setting and its value
     */
    public SluiceConfig build() {
      return build(new ArrayList<>());
    }

    private SluiceConfig build(List<String> errors) {
      List<URI> endpoints = new ArrayList<>(etcdEndpoints.size());
      for (URI endpoint : etcdEndpoints) {
        URI checked = checked(endpoint, errors);
        if (checked != null) {
          endpoints.add(checked);
        }
      }
      if (namespace.isBlank() || namespace.chars().anyMatch(Character::isWhitespace)) {
        errors.add(
            ConfigKeys.ETCD_NAMESPACE + "=" + namespace + ": must be a key prefix without spaces");
      }
      if ((etcdUser == null) != (etcdPassword == null)) {
        errors.add(
            etcdUser == null
                ? ConfigKeys.ETCD_PASSWORD + " is set but " + ConfigKeys.ETCD_USER + " is not"
                : ConfigKeys.ETCD_USER
                    + "="
                    + etcdUser
                    + " is set but "
                    + ConfigKeys.ETCD_PASSWORD
                    + " is not");
      }
      if (tls != null && (tls.certFile() == null) != (tls.keyFile() == null)) {
        errors.add(
            tls.certFile() == null
                ? ConfigKeys.ETCD_TLS_KEY_FILE
                    + "="
                    + tls.keyFile()
                    + " needs "
                    + ConfigKeys.ETCD_TLS_CERT_FILE
                : ConfigKeys.ETCD_TLS_CERT_FILE
                    + "="
                    + tls.certFile()
                    + " needs "
                    + ConfigKeys.ETCD_TLS_KEY_FILE);
      }
      if (tls != null && tls.keyPassword() != null && tls.keyFile() == null) {
        errors.add(
            ConfigKeys.ETCD_TLS_KEY_PASSWORD
                + " is set but "
                + ConfigKeys.ETCD_TLS_KEY_FILE
                + " is not");
      }
      boolean https = etcdEndpoints.stream().anyMatch(e -> scheme(e).equals("https"));
      boolean http = etcdEndpoints.stream().anyMatch(e -> scheme(e).equals("http"));
      if (https && http) {
        errors.add(
            ConfigKeys.ETCD_ENDPOINTS
                + "="
                + withoutPasswords(etcdEndpoints.toString())
                + ": mixes http and https; use one scheme for every endpoint");
      }
      if (tls != null && http) {
        // TLS would be spoken to a plain-text port: every handshake fails, retried forever
        errors.add(
            ConfigKeys.ETCD_ENDPOINTS
                + "="
                + withoutPasswords(
                    etcdEndpoints.stream()
                        .filter(e -> scheme(e).equals("http"))
                        .map(URI::toString)
                        .collect(Collectors.joining(",")))
                + ": TLS settings (sluice.etcd.tls.*) need https:// endpoints; use https:// or"
                + " remove the TLS settings");
      }
      if (serviceName != null
          && (serviceName.isBlank()
              || serviceName.contains("/")
              || serviceName.strip().length() != serviceName.length())) {
        errors.add(
            ConfigKeys.SERVICE_NAME
                + "="
                + serviceName
                + ": must be a non-blank name without '/' or surrounding spaces");
      }
      if (!etcdEndpoints.isEmpty() && serviceName == null) {
        errors.add(
            ConfigKeys.SERVICE_NAME
                + " is required when "
                + ConfigKeys.ETCD_ENDPOINTS
                + " is set: it selects the rule document");
      }
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid Sluice configuration:\n  - " + String.join("\n  - ", errors));
      }
      EtcdTls effectiveTls = tls == null && https ? EtcdTls.systemTrust() : tls;
      Path dir = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".sluice");
      return new SluiceConfig(
          endpoints, namespace, etcdUser, etcdPassword, effectiveTls, rulesFile, dir, serviceName);
    }

    /**
     * {@code endpoint} as the configuration keeps it ({@code scheme://host:port}, the scheme in
     * lower case), or {@code null} after adding to {@code errors} why it is refused.
     */
    private URI checked(URI endpoint, List<String> errors) {
      String refused =
          ConfigKeys.ETCD_ENDPOINTS + "=" + withoutPasswords(endpoint.toString()) + ": ";
      String scheme = scheme(endpoint);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        errors.add(refused + "the scheme must be http or https");
        return null;
      }
      int before = errors.size();
      String authority = endpoint.getRawAuthority();
      if (authority != null && authority.indexOf('@') >= 0) {
        errors.add(
            refused
                + "credentials do not belong in an endpoint URL; set "
                + ConfigKeys.ETCD_USER
                + " and "
                + ConfigKeys.ETCD_PASSWORD);
      }
      String path = endpoint.getRawPath();
      if ((path != null && !path.isEmpty() && !path.equals("/"))
          || endpoint.getRawQuery() != null
          || endpoint.getRawFragment() != null) {
        errors.add(
            refused
                + "an endpoint is scheme://host:port, without a path, query or fragment (they"
                + " would be ignored)");
      }
      EtcdAddress address = EtcdAddress.of(endpoint);
      if (address == null || address.port() < 1) {
        errors.add(refused + "needs a host and a port, e.g. http://127.0.0.1:2379");
      } else if (!address.isHostName()) {
        errors.add(refused + "'" + address.host() + "' is not a host name");
      } else if (address.port() > 65535) {
        errors.add(refused + "the port must be between 1 and 65535");
      } else if (scheme.equals("https")
          && !address.isTlsHostName()
          && (tls == null || tls.authority() == null)) {
        errors.add(
            refused
                + "TLS cannot check etcd's certificate against the host name '"
                + address.host()
                + "' (the JDK refuses "
                + (address.host().indexOf('_') >= 0 ? "a '_' in a DNS name" : "it as a DNS name")
                + "); set "
                + ConfigKeys.ETCD_TLS_AUTHORITY
                + " to a name in etcd's certificate, or use a host name without '_'");
      }
      return errors.size() == before ? URI.create(scheme + "://" + authority) : null;
    }
  }
}

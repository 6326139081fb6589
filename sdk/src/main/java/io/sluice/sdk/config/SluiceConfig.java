package io.sluice.sdk.config;

import io.sluice.etcd.EtcdAddress;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdEndpoints;
import io.sluice.etcd.EtcdEndpoints.SettingNames;
import io.sluice.etcd.EtcdEndpoints.TlsSettings;
import io.sluice.etcd.HomeDirectoryPaths;
import io.sluice.etcd.TemporaryStateDirectory;
import io.sluice.rules.wire.EtcdKeys;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

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
 * @param serviceName the service whose rule document applies, or {@code null} when unknown; never
 *     blank nor with surrounding spaces, and without {@code /} and neither {@code .} nor {@code ..}
 *     when etcd is used (the name is one segment of its keys, and the control plane's URLs drop a
 *     dot segment), while a rules file takes such a name and applies its {@code _default} document
 * @param settingNames how each setting was given, so that what reads this configuration later names
 *     a setting as the user gave it ({@code environment variable SLUICE_STATE_DIR}, {@code
 *     builder().rulesFile(…)}): {@link ConfiguredRules} and {@link EtcdClientFactory#create} use it
 *     when not given names of their own. Recorded by {@link #fromProperties}, {@link #fromSystem()}
 *     and {@link Builder#build()}; names only, never a value. Not part of {@link #equals}: two
 *     configurations with the same values are equal however they were given.
 */
public record SluiceConfig(
    List<URI> etcdEndpoints,
    String namespace,
    String etcdUser,
    String etcdPassword,
    EtcdTls tls,
    Path rulesFile,
    Path stateDir,
    String serviceName,
    ConfigLookup settingNames) {

  /** The etcd keys a service name is one segment of, in words for a message. */
  private static final String SERVICE_KEYS =
      "{namespace}/v1/rules/{service} and {namespace}/v1/agents/{service}/{instanceId}";

  /** How a message names the service name given to {@link #fromSystem(String)}. */
  private static final String SERVICE_NAME_IN_CODE = "fromSystem(serviceName)";

  /**
   * Checks the configuration as {@link Builder#build()} does, so a configuration made with this
   * constructor is as valid as a built one, but reads no TLS file: a constructor does no I/O, and
   * every configuration passes through this one, those read from keys too, whose files are read
   * when the client is made. So {@code tls}'s files are read by {@link EtcdClientFactory}, which
   * names them as {@link #settingNames()} says ({@code new SluiceConfig(…, tls, …).caFile()=/x: no
   * such file} for this constructor's).
   *
   * <p>{@code settingNames} {@code null} names every setting by this constructor's parameters.
   *
   * @throws IllegalArgumentException naming every bad setting and its value
   */
  public SluiceConfig {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(stateDir, "stateDir");
    List<String> given = etcdEndpoints.stream().map(URI::toString).toList();
    List<String> problems =
        problems(
            given,
            namespace,
            etcdUser,
            etcdPassword,
            tls,
            rulesFile,
            serviceName,
            NamesInCode.CONSTRUCTOR);
    if (!problems.isEmpty()) {
      throw invalid(problems);
    }
    // as the builder gives them: scheme://host:port, and https:// speaks TLS even without files
    EtcdEndpoints checked = EtcdEndpoints.check(given, tlsSettings(tls));
    etcdEndpoints = checked.endpoints();
    if (tls == null && checked.https()) {
      tls = EtcdTls.systemTrust();
    }
    settingNames =
        settingNames == null ? NamesInCode.CONSTRUCTOR : RecordedNames.of(settingNames, Set.of());
  }

  /**
   * A configuration whose settings are named by this constructor's parameters ({@code new
   * SluiceConfig(…, rulesFile, …)}), as before {@link #settingNames()} existed.
   *
   * @throws IllegalArgumentException naming every bad setting and its value
   */
  public SluiceConfig(
      List<URI> etcdEndpoints,
      String namespace,
      String etcdUser,
      String etcdPassword,
      EtcdTls tls,
      Path rulesFile,
      Path stateDir,
      String serviceName) {
    this(
        etcdEndpoints,
        namespace,
        etcdUser,
        etcdPassword,
        tls,
        rulesFile,
        stateDir,
        serviceName,
        NamesInCode.CONSTRUCTOR);
  }

  /** Equal values, however they were given ({@link #settingNames()} is left out). */
  @Override
  public boolean equals(Object other) {
    return other instanceof SluiceConfig that
        && etcdEndpoints.equals(that.etcdEndpoints)
        && namespace.equals(that.namespace)
        && Objects.equals(etcdUser, that.etcdUser)
        && Objects.equals(etcdPassword, that.etcdPassword)
        && Objects.equals(tls, that.tls)
        && Objects.equals(rulesFile, that.rulesFile)
        && stateDir.equals(that.stateDir)
        && Objects.equals(serviceName, that.serviceName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        etcdEndpoints, namespace, etcdUser, etcdPassword, tls, rulesFile, stateDir, serviceName);
  }

  private static IllegalArgumentException invalid(List<String> problems) {
    return new IllegalArgumentException(
        "invalid Sluice configuration:\n  - " + String.join("\n  - ", problems));
  }

  /**
   * Every problem of these settings, each naming the setting and the bad value.
   *
   * @param origins how a message names the setting of a key that is set ({@link
   *     ConfigLookup#origin}) and one that is not ({@link ConfigLookup#missing})
   */
  private static List<String> problems(
      List<String> etcdEndpoints,
      String namespace,
      String etcdUser,
      String etcdPassword,
      EtcdTls tls,
      Path rulesFile,
      String serviceName,
      ConfigLookup origins) {
    List<String> errors =
        new ArrayList<>(
            EtcdEndpoints.check(etcdEndpoints, tlsSettings(tls), endpointSettingNames(origins))
                .problems());
    if (namespace.isBlank() || namespace.chars().anyMatch(Character::isWhitespace)) {
      errors.add(
          origins.origin(ConfigKeys.ETCD_NAMESPACE)
              + "="
              + namespace
              + ": must be a key prefix without spaces");
    }
    if ((etcdUser == null) != (etcdPassword == null)) {
      errors.add(
          etcdUser == null
              ? origins.origin(ConfigKeys.ETCD_PASSWORD)
                  + " is set but "
                  + origins.missing(ConfigKeys.ETCD_USER)
                  + " is not"
              : origins.origin(ConfigKeys.ETCD_USER)
                  + "="
                  + etcdUser
                  + " is set but "
                  + origins.missing(ConfigKeys.ETCD_PASSWORD)
                  + " is not");
    }
    if (tls != null && (tls.certFile() == null) != (tls.keyFile() == null)) {
      errors.add(
          tls.certFile() == null
              ? origins.origin(ConfigKeys.ETCD_TLS_KEY_FILE)
                  + "="
                  + tls.keyFile()
                  + " needs "
                  + origins.missing(ConfigKeys.ETCD_TLS_CERT_FILE)
              : origins.origin(ConfigKeys.ETCD_TLS_CERT_FILE)
                  + "="
                  + tls.certFile()
                  + " needs "
                  + origins.missing(ConfigKeys.ETCD_TLS_KEY_FILE));
    }
    if (tls != null && tls.keyPassword() != null && tls.keyFile() == null) {
      errors.add(
          origins.origin(ConfigKeys.ETCD_TLS_KEY_PASSWORD)
              + " is set but "
              + origins.missing(ConfigKeys.ETCD_TLS_KEY_FILE)
              + " is not");
    }
    if (rulesFile != null && rulesFile.getFileName() == null) {
      // the file's directory is watched: a root has none, and the rule source could not start
      errors.add(
          origins.origin(ConfigKeys.RULES_FILE)
              + "="
              + rulesFile
              + ": must name a file, not a root directory");
    }
    // harmless without etcd: a rules file applies its _default document, as for any name that can
    // have no document of its own, and the last-known-good file name is escaped
    KeySegmentProblem keyProblem =
        serviceName == null || etcdEndpoints.isEmpty() ? null : KeySegmentProblem.of(serviceName);
    if (serviceName != null
        && (serviceName.isBlank() || serviceName.strip().length() != serviceName.length())) {
      errors.add(
          origins.origin(ConfigKeys.SERVICE_NAME)
              + "="
              + serviceName
              + ": must be a non-blank name without surrounding spaces");
    } else if (keyProblem != null) {
      errors.add(
          origins.origin(ConfigKeys.SERVICE_NAME)
              + "="
              + serviceName
              + ": "
              + keyProblem.what()
              + ", refused because "
              + origins.origin(ConfigKeys.ETCD_ENDPOINTS)
              + " is set: the name is one segment of the etcd keys "
              + SERVICE_KEYS
              + ", "
              + keyProblem.consequence()
              + " (without etcd, a rules file takes the name and applies its _default document)");
    }
    if (!etcdEndpoints.isEmpty() && serviceName == null) {
      errors.add(
          origins.missing(ConfigKeys.SERVICE_NAME)
              + " is required when "
              + origins.origin(ConfigKeys.ETCD_ENDPOINTS)
              + " is set: it selects the rule document");
    }
    return errors;
  }

  /**
   * How {@link EtcdEndpoints}' messages name the settings: where the endpoints were set, and the
   * settings its advice tells the user to set by every name they could be given under.
   */
  private static SettingNames endpointSettingNames(ConfigLookup origins) {
    String endpoints = origins.origin(ConfigKeys.ETCD_ENDPOINTS);
    String authority = origins.missing(ConfigKeys.ETCD_TLS_AUTHORITY);
    if (origins instanceof SettingsGivenInCode inCode) {
      return new SettingNames(endpoints, inCode.credentials(), inCode.tlsSettings(), authority);
    }
    return new SettingNames(
        endpoints,
        origins.missing(ConfigKeys.ETCD_USER) + " and " + origins.missing(ConfigKeys.ETCD_PASSWORD),
        origins.missing(TLS_SETTINGS),
        authority);
  }

  /** The TLS settings as a whole, as {@link EtcdEndpoints} names them. */
  private static final String TLS_SETTINGS = EtcdEndpoints.SettingNames.KEYS.tlsSettings();

  private static TlsSettings tlsSettings(EtcdTls tls) {
    if (tls == null) {
      return TlsSettings.NONE;
    }
    return tls.authority() == null ? TlsSettings.GIVEN : TlsSettings.GIVEN_WITH_AUTHORITY;
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
   * exactly as given, one of spaces only too. A path may start with {@code ~} or {@code ~/} (this
   * user's home directory); one starting with {@code ~user} is refused.
   *
   * @throws IllegalArgumentException naming every bad key and its value
   */
  public static SluiceConfig fromProperties(Function<String, String> lookup) {
    return fromProperties(ConfigLookup.of(lookup), System::getProperty);
  }

  /**
   * As {@link #fromProperties(Function)}, with every refused value named where {@code lookup} says
   * it was set ({@link ConfigLookup#origin}), such as {@code environment variable
   * SLUICE_ETCD_ENDPOINTS=foo}.
   *
   * @throws IllegalArgumentException naming every bad setting and its value
   */
  public static SluiceConfig fromProperties(ConfigLookup lookup) {
    return fromProperties(lookup, System::getProperty);
  }

  /**
   * As {@link #fromProperties(Function)}, with the JVM's {@code user.home}, {@code user.name} and
   * {@code java.io.tmpdir} read from {@code systemProperties} (tests give their own).
   */
  static SluiceConfig fromProperties(
      Function<String, String> lookup, Function<String, String> systemProperties) {
    return fromProperties(ConfigLookup.of(lookup), systemProperties);
  }

  /**
   * As {@link #fromProperties(ConfigLookup)}, with the JVM's {@code user.home}, {@code user.name}
   * and {@code java.io.tmpdir} read from {@code systemProperties} ({@code System::getProperty} but
   * in tests): for a caller that hands the same properties to {@link
   * ConfiguredRules.Builder#systemProperties}, so that both agree where the state directory is and
   * whether it lies under the temporary directory.
   *
   * @throws IllegalArgumentException naming every bad setting and its value
   */
  public static SluiceConfig fromProperties(
      ConfigLookup lookup, Function<String, String> systemProperties) {
    return fromProperties(lookup, null, systemProperties);
  }

  /**
   * As {@link #fromProperties(ConfigLookup, Function)}; {@code serviceName}, when not null, is the
   * service name given in code ({@link #fromSystem(String)}), and {@code otel.service.name} is not
   * read.
   */
  static SluiceConfig fromProperties(
      ConfigLookup lookup, String serviceName, Function<String, String> systemProperties) {
    return fromProperties(lookup, serviceName, systemProperties, SluiceConfig::home);
  }

  /**
   * As {@link #fromProperties(ConfigLookup, String, Function)}, with the home directory (or its
   * fallback) found by {@code home} ({@link #home} but in tests, which cannot take this process's
   * user id away).
   */
  static SluiceConfig fromProperties(
      ConfigLookup lookup,
      String serviceName,
      Function<String, String> systemProperties,
      Function<Function<String, String>, Path> home) {
    Objects.requireNonNull(lookup, "lookup");
    Builder builder = builder().systemProperties(systemProperties).home(home);
    List<String> errors = new ArrayList<>();
    String endpoints = value(lookup, ConfigKeys.ETCD_ENDPOINTS);
    if (endpoints != null) {
      // as given: build() checks them (EtcdEndpoints), a value that is no URL included
      for (String endpoint : endpoints.split(",")) {
        if (!endpoint.isBlank()) {
          builder.etcdEndpoints.add(endpoint.strip());
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
    Path ca = path(lookup, ConfigKeys.ETCD_TLS_CA_FILE, builder, errors);
    Path cert = path(lookup, ConfigKeys.ETCD_TLS_CERT_FILE, builder, errors);
    Path key = path(lookup, ConfigKeys.ETCD_TLS_KEY_FILE, builder, errors);
    String keyPassword = secret(lookup, ConfigKeys.ETCD_TLS_KEY_PASSWORD);
    String authority = value(lookup, ConfigKeys.ETCD_TLS_AUTHORITY);
    String enabled = value(lookup, ConfigKeys.ETCD_TLS_ENABLED);
    boolean tlsOn = false;
    if (enabled != null) {
      switch (enabled.toLowerCase(Locale.ROOT)) {
        case "true" -> tlsOn = true;
        case "false" -> tlsOffContradictions(lookup, enabled, builder.etcdEndpoints, errors);
        default ->
            errors.add(
                lookup.origin(ConfigKeys.ETCD_TLS_ENABLED)
                    + "="
                    + enabled
                    + ": must be true or false");
      }
    }
    if (tlsOn
        || ca != null
        || cert != null
        || key != null
        || keyPassword != null
        || authority != null) {
      // not tls(...): files read from keys are checked when the client is made, named by keys
      builder.tls = new EtcdTls(ca, cert, key, keyPassword, authority);
    }
    Path rulesFile = path(lookup, ConfigKeys.RULES_FILE, builder, errors);
    if (rulesFile != null) {
      builder.rulesFile(rulesFile);
    }
    Path stateDir = path(lookup, ConfigKeys.STATE_DIR, builder, errors);
    if (stateDir != null) {
      builder.stateDir(stateDir);
    } else if (value(lookup, ConfigKeys.STATE_DIR) != null) {
      builder.stateDirRefused = true; // listed already: its default is beside the point
    }
    String service = serviceName != null ? serviceName : value(lookup, ConfigKeys.SERVICE_NAME);
    if (service != null) {
      builder.serviceName(service);
    }
    // every setting named where it was read (the service name given in code by its method)
    builder.origins(
        serviceName == null
            ? lookup
            : lookup.namingAs(ConfigKeys.SERVICE_NAME, SERVICE_NAME_IN_CODE));
    return builder.build(errors);
  }

  /**
   * With {@code sluice.etcd.tls.enabled=false}, every other TLS key and every {@code https://}
   * endpoint would turn TLS on all the same: each such contradiction is an error naming both.
   */
  private static void tlsOffContradictions(
      ConfigLookup lookup, String enabled, List<String> endpoints, List<String> errors) {
    String refused = lookup.origin(ConfigKeys.ETCD_TLS_ENABLED) + "=" + enabled + ": contradicts ";
    for (String key :
        List.of(
            ConfigKeys.ETCD_TLS_CA_FILE,
            ConfigKeys.ETCD_TLS_CERT_FILE,
            ConfigKeys.ETCD_TLS_KEY_FILE,
            ConfigKeys.ETCD_TLS_KEY_PASSWORD,
            ConfigKeys.ETCD_TLS_AUTHORITY)) {
      // a key password of spaces only is one too (kept as given, see secret)
      String set =
          key.equals(ConfigKeys.ETCD_TLS_KEY_PASSWORD) ? secret(lookup, key) : value(lookup, key);
      if (set != null) {
        errors.add(
            refused
                + lookup.origin(key)
                + (key.equals(ConfigKeys.ETCD_TLS_KEY_PASSWORD) ? "" : "=" + set)
                + ", which needs TLS; remove one of the two");
      }
    }
    for (String endpoint : endpoints) {
      if (endpoint.toLowerCase(Locale.ROOT).startsWith("https://")) {
        errors.add(
            refused
                + lookup.origin(ConfigKeys.ETCD_ENDPOINTS)
                + "="
                + withoutPasswords(endpoint)
                + " (https:// is TLS); use http:// or remove "
                + ConfigKeys.ETCD_TLS_ENABLED);
      }
    }
  }

  /**
   * Reads the keys from system properties, then environment variables (and warns once of settings
   * with the keys' prefixes that are none of them, {@link UnknownSettings}); a refused value is
   * named where it was set ({@code environment variable SLUICE_ETCD_ENDPOINTS=…} or {@code
   * sluice.etcd.endpoints=…}).
   */
  public static SluiceConfig fromSystem() {
    UnknownSettings.warnOnce(false);
    return fromProperties(
        ConfigLookup.propertiesThenEnvironment(System::getProperty, System::getenv));
  }

  /**
   * As {@link #fromSystem()}, for an app that names its service in code, as it does for the rules
   * in force until the first arrive ({@code ActiveRules.defaults("orders")}): {@code serviceName}
   * selects the rule document and the agent status key, so etcd endpoints need no {@code
   * otel.service.name}, which is not read (the name in code wins). Every other setting is read as
   * {@link #fromSystem()} reads it.
   *
   * @throws IllegalArgumentException naming every bad setting and its value, a bad {@code
   *     serviceName} as {@code fromSystem(serviceName)=…}
   */
  public static SluiceConfig fromSystem(String serviceName) {
    Objects.requireNonNull(serviceName, "serviceName");
    UnknownSettings.warnOnce(false);
    return fromProperties(
        ConfigLookup.propertiesThenEnvironment(System::getProperty, System::getenv),
        serviceName,
        System::getProperty);
  }

  /**
   * A lookup that asks {@code properties} for the key, then {@code environment} for the key's
   * environment variable ({@link ConfigKeys#environmentVariable}). Given to {@link
   * #fromProperties(Function)}, it names a refused value from the environment by its variable, as
   * {@link ConfigLookup#propertiesThenEnvironment} does.
   */
  public static Function<String, String> propertiesThenEnvironment(
      Function<String, String> properties, Function<String, String> environment) {
    return new PropertiesThenEnvironment(properties, environment);
  }

  /** Whether etcd is configured. */
  public boolean usesEtcd() {
    return !etcdEndpoints.isEmpty();
  }

  /** The credentials these settings have the etcd client show: see {@link EtcdCredentials#of}. */
  public EtcdCredentials etcdCredentials() {
    return EtcdCredentials.of(etcdUser != null, tls != null && tls.certFile() != null);
  }

  /** The etcd key layout under {@link #namespace()}. */
  public EtcdKeys etcdKeys() {
    return new EtcdKeys(namespace);
  }

  /**
   * A builder holding this configuration's values. The configuration it builds names each setting
   * as this one does ({@link #settingNames()}), but a setting given to the builder, which is named
   * by the builder method.
   */
  public Builder toBuilder() {
    Builder builder =
        builder()
            .namespace(namespace)
            .etcdCredentials(etcdUser, etcdPassword)
            .rulesFile(rulesFile)
            .stateDir(stateDir)
            .serviceName(serviceName);
    // as fromProperties: the files are checked when the client is made, as they would have been
    builder.tls = tls;
    etcdEndpoints.forEach(builder::addEtcdEndpoint);
    // named as they were given; a setting given to the builder from now on, by its method
    return builder.origins(settingNames);
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

  private static String value(ConfigLookup lookup, String key) {
    String value = lookup.value(key);
    return value == null || value.isBlank() ? null : value.strip();
  }

  /**
   * A password exactly as given, spaces included, and one of spaces only too (etcd takes any
   * non-empty password); {@code null} when absent or empty. Treated as unset, such a password was
   * refused as missing ({@code sluice.etcd.user=agent is set but sluice.etcd.password … is not}) to
   * a user who had set it.
   */
  private static String secret(ConfigLookup lookup, String key) {
    String value = lookup.value(key);
    return value == null || value.isEmpty() ? null : value;
  }

  private static Path path(ConfigLookup lookup, String key, Builder builder, List<String> errors) {
    String value = value(lookup, key);
    if (value == null) {
      return null;
    }
    String otherUsersHome = HomeDirectoryPaths.otherUsersHome(value);
    if (otherUsersHome != null) {
      errors.add(lookup.origin(key) + "=" + value + ": " + otherUsersHome);
      return null;
    }
    try {
      return HomeDirectoryPaths.expand(value, builder::home);
    } catch (InvalidPathException e) {
      errors.add(lookup.origin(key) + "=" + value + ": not a valid path (" + e.getReason() + ")");
      return null;
    } catch (IllegalStateException e) {
      // no home, and no user to name a directory of its own under the temporary directory
      errors.add(lookup.origin(key) + "=" + value + ": " + HomeDirectoryPaths.NO_HOME);
      return null;
    }
  }

  /** Why {@link TemporaryStateDirectory#home} found neither a home nor a fallback. */
  private static final String NO_USER = TemporaryStateDirectory.NO_USER;

  /**
   * The user's home directory, or a directory of the user's own under the temporary directory
   * ({@code sluice-<user.name>}) when the JVM knows no home: a container user without a passwd
   * entry (OpenShift's random user ids) gets {@code user.home=?}, and state must not land in a
   * relative {@code ?/.sluice} under whatever the working directory is, nor in one directory that
   * every user of a shared temporary directory could write to. {@link #temporaryStateDirNotice}
   * says so when the state directory ends up there, and {@link ConfiguredRules} keeps nothing there
   * unless {@link TemporaryStateDirectory#secure} finds that directory private to the user.
   *
   * @param systemProperties the JVM's system properties ({@code System::getProperty} but in tests)
   */
  static Path home(Function<String, String> systemProperties) {
    return TemporaryStateDirectory.home(systemProperties);
  }

  /**
   * What to tell the user, once, when {@code stateDir} lies under the temporary directory because
   * the JVM knows no home ({@link #home}): where the last-known-good rules are kept, why, and the
   * setting that puts them elsewhere. A temporary directory may be cleaned while the agent is down,
   * which is when the snapshot is needed. {@code null} when {@code stateDir} is not there.
   *
   * @param stateDirSetting how to name what to set ({@code sluice.state.dir (SLUICE_STATE_DIR)},
   *     {@code builder().stateDir(…)})
   */
  static String temporaryStateDirNotice(
      Path stateDir, Function<String, String> systemProperties, String stateDirSetting) {
    String home = systemProperties.apply("user.home");
    if (TemporaryStateDirectory.containing(stateDir, systemProperties) == null) {
      return null;
    }
    return "Sluice keeps its last-known-good rules in "
        + stateDir
        + ", under the temporary directory, because the JVM knows no home directory (user.home="
        + home
        + ", as for a container user without a passwd entry); the temporary directory may be"
        + " cleaned, and then an agent that starts while etcd is away runs the built-in defaults:"
        + " set "
        + stateDirSetting
        + " to a directory this user can write that is kept across restarts";
  }

  /**
   * Builds a {@link SluiceConfig}; {@link #build()} checks every value and lists every problem with
   * the bad value, naming each setting by the method that set it ({@code builder().namespace(…)=/a
   * b: …}, {@code builder().serviceName(…) is required when builder().addEtcdEndpoint(…) is set}),
   * since a setting given in code has no key the user wrote.
   */
  public static final class Builder {
    /** As given; {@link #build()} checks them. */
    private final List<String> etcdEndpoints = new ArrayList<>();

    private String namespace = EtcdKeys.DEFAULT_NAMESPACE;
    private String etcdUser;
    private String etcdPassword;
    private EtcdTls tls;

    /**
     * Whether {@link #tls} was given to {@link #tls(EtcdTls)}: its files are then checked by {@link
     * #build()}, named by the builder's methods; files read from keys, or carried over by {@link
     * SluiceConfig#toBuilder()}, are checked when the client is made, named as they were given.
     */
    private boolean tlsGivenInCode;

    private Path rulesFile;
    private Path stateDir;
    private String serviceName;
    private Function<String, String> systemProperties = System::getProperty;
    private Function<Function<String, String>, Path> home = SluiceConfig::home;

    /** Whether a state directory was given but refused: no default then, nor a line about one. */
    private boolean stateDirRefused;

    // given in code: each setting is named by the method that set it, not by a key never read
    private ConfigLookup origins = NamesInCode.BUILDER;

    /** The settings given to this builder's methods since {@link #origins}: named by those. */
    private final Set<String> givenInCode = new HashSet<>();

    private Builder() {}

    /**
     * How messages name the setting of a key ({@link ConfigLookup#origin}, {@link
     * ConfigLookup#missing}), every setting given so far included; by default the builder method
     * that sets it ({@link NamesInCode#BUILDER}). A setting given to a method after this call is
     * named by that method.
     */
    Builder origins(ConfigLookup origins) {
      this.origins = Objects.requireNonNull(origins, "origins");
      givenInCode.clear();
      return this;
    }

    /** Where {@code user.home} and the like are read for the default state directory. */
    Builder systemProperties(Function<String, String> systemProperties) {
      this.systemProperties = Objects.requireNonNull(systemProperties, "systemProperties");
      return this;
    }

    /**
     * How the home directory (or its fallback) is found; {@link SluiceConfig#home} but in tests.
     */
    Builder home(Function<Function<String, String>, Path> home) {
      this.home = Objects.requireNonNull(home, "home");
      return this;
    }

    /** The home directory, or its fallback ({@link SluiceConfig#home}). */
    private Path home() {
      return home.apply(systemProperties);
    }

    /** Adds an etcd endpoint such as {@code http://127.0.0.1:2379}. */
    public Builder addEtcdEndpoint(URI endpoint) {
      etcdEndpoints.add(Objects.requireNonNull(endpoint, "endpoint").toString());
      givenInCode.add(ConfigKeys.ETCD_ENDPOINTS);
      return this;
    }

    /**
     * Adds an etcd endpoint such as {@code http://127.0.0.1:2379}.
     *
     * @throws IllegalArgumentException when {@code endpoint} is not a URL
     */
    public Builder addEtcdEndpoint(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      try {
        return addEtcdEndpoint(new URI(endpoint));
      } catch (URISyntaxException e) {
        // the exception's own message quotes the whole input, password included: only its reason
        throw new IllegalArgumentException(
            NamesInCode.BUILDER_ETCD_ENDPOINTS
                + "="
                + withoutPasswords(endpoint)
                + ": not a URL ("
                + e.getReason()
                + ")");
      }
    }

    /** The etcd key prefix, default {@code /sluice}. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      givenInCode.add(ConfigKeys.ETCD_NAMESPACE);
      return this;
    }

    /** etcd user and password; both or neither. */
    public Builder etcdCredentials(String user, String password) {
      this.etcdUser = user;
      this.etcdPassword = password;
      givenInCode.add(ConfigKeys.ETCD_USER);
      givenInCode.add(ConfigKeys.ETCD_PASSWORD);
      return this;
    }

    /**
     * TLS settings, or {@code null} for plain text. {@link #build()} reads the files, so that one
     * that cannot be read or holds no usable PEM certificate or key is refused there, named by this
     * method ({@code builder().tls(…).caFile()=/etc/ca.pem: no such file}).
     */
    public Builder tls(EtcdTls tls) {
      this.tls = tls;
      this.tlsGivenInCode = tls != null;
      givenInCode.addAll(RecordedNames.tlsSettings());
      return this;
    }

    /** A local rule document, or {@code null}. */
    public Builder rulesFile(Path rulesFile) {
      this.rulesFile = rulesFile;
      givenInCode.add(ConfigKeys.RULES_FILE);
      return this;
    }

    /** Where last-known-good snapshots live, default {@code ~/.sluice}. */
    public Builder stateDir(Path stateDir) {
      this.stateDir = stateDir;
      givenInCode.add(ConfigKeys.STATE_DIR);
      return this;
    }

    /** The service name ({@code otel.service.name}). */
    public Builder serviceName(String serviceName) {
      this.serviceName = serviceName;
      givenInCode.add(ConfigKeys.SERVICE_NAME);
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
      ConfigLookup origins = RecordedNames.of(this.origins, givenInCode);
      errors.addAll(
          problems(
              etcdEndpoints,
              namespace,
              etcdUser,
              etcdPassword,
              tls,
              rulesFile,
              serviceName,
              origins));
      if (tlsGivenInCode) {
        errors.addAll(EtcdClientFactory.tlsFileProblems(tls, origins));
      }
      Path dir = stateDir;
      if (dir == null && !stateDirRefused) {
        try {
          dir = home().resolve(".sluice");
        } catch (IllegalStateException e) {
          // listed with the others: the default has nowhere to go, and only the user can say where
          String setting = origins.missing(ConfigKeys.STATE_DIR);
          errors.add(
              setting
                  + " is not set, and its default has nowhere to go: "
                  + NO_USER
                  + ", so no directory of this user's own can be named for the last-known-good"
                  + " rules; set "
                  + setting
                  + " to a directory only this user can write");
        }
      }
      if (!errors.isEmpty()) {
        throw invalid(errors);
      }
      return new SluiceConfig(
          etcdEndpoints.stream().filter(e -> !e.isBlank()).map(e -> URI.create(e.strip())).toList(),
          namespace,
          etcdUser,
          etcdPassword,
          tls,
          rulesFile,
          dir,
          serviceName,
          origins);
    }
  }

  /**
   * Why a service name cannot be one segment of the etcd keys, for the refusal with etcd: what the
   * name is, and what would follow from using it.
   */
  private record KeySegmentProblem(String what, String consequence) {

    /** The problem of {@code name}, or {@code null} when it can be one segment of a key. */
    static KeySegmentProblem of(String name) {
      if (name.contains("/")) {
        return new KeySegmentProblem("has a '/'", "which a '/' would split");
      }
      if (EtcdKeys.isDotSegment(name)) {
        // etcd takes such keys, but the control plane's URLs are normalised by its servlet
        // container, which removes such a segment
        return new KeySegmentProblem(
            "is a dot segment",
            "and URLs read '"
                + name
                + "' as "
                + (name.equals(".") ? "this" : "the parent")
                + " directory and drop it, so the control plane's /api/v1/services/{service}/…"
                + " could never address the service");
      }
      return null;
    }
  }
}

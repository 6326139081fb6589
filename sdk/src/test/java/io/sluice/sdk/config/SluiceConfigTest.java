package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdCredentials;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class SluiceConfigTest {

  private static final String BOTH_STATE_DIR_NAMES = "sluice.state.dir (or SLUICE_STATE_DIR)";

  @TempDir Path dir;

  @Test
  void appliesTheDocumentedDefaults() {
    SluiceConfig config = SluiceConfig.fromProperties(key -> null);

    assertThat(config.etcdEndpoints()).isEmpty();
    assertThat(config.usesEtcd()).isFalse();
    assertThat(config.namespace()).isEqualTo("/sluice");
    assertThat(config.etcdUser()).isNull();
    assertThat(config.tls()).isNull();
    assertThat(config.rulesFile()).isNull();
    assertThat(config.stateDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".sluice"));
    assertThat(config.serviceName()).isNull();
  }

  @Test
  void readsEveryContractKey() {
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "https://etcd-1:2379, https://etcd-2:2379");
    props.put("sluice.etcd.namespace", "/prod/sluice");
    props.put("sluice.etcd.user", "agent");
    props.put("sluice.etcd.password", "s3cret");
    props.put("sluice.etcd.tls.ca-file", "/etc/sluice/ca.pem");
    props.put("sluice.etcd.tls.cert-file", "/etc/sluice/client.pem");
    props.put("sluice.etcd.tls.key-file", "/etc/sluice/client-key.pem");
    props.put("sluice.etcd.tls.authority", "etcd.internal");
    props.put("sluice.rules.file", "/etc/sluice/rules.json");
    props.put("sluice.state.dir", "/var/lib/sluice");
    props.put("otel.service.name", "orders");

    SluiceConfig config = SluiceConfig.fromProperties(props::get);

    assertThat(config.etcdEndpoints())
        .containsExactly(URI.create("https://etcd-1:2379"), URI.create("https://etcd-2:2379"));
    assertThat(config.namespace()).isEqualTo("/prod/sluice");
    assertThat(config.etcdKeys().rules("orders")).isEqualTo("/prod/sluice/v1/rules/orders");
    assertThat(config.etcdUser()).isEqualTo("agent");
    assertThat(config.etcdPassword()).isEqualTo("s3cret");
    assertThat(config.tls())
        .isEqualTo(
            new EtcdTls(
                Path.of("/etc/sluice/ca.pem"),
                Path.of("/etc/sluice/client.pem"),
                Path.of("/etc/sluice/client-key.pem"),
                null,
                "etcd.internal"));
    assertThat(config.rulesFile()).isEqualTo(Path.of("/etc/sluice/rules.json"));
    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/sluice"));
    assertThat(config.serviceName()).isEqualTo("orders");
    assertThat(config.toString()).doesNotContain("s3cret").contains("etcdPassword=****");
  }

  /**
   * The credentials an etcd refusal's line says to check follow the settings: a user and password
   * win over a client certificate (etcd takes the certificate's common name only without them).
   */
  @Test
  void namesTheCredentialsTheClientShowsEtcd() {
    Map<String, String> cert =
        Map.of(
            "sluice.etcd.endpoints", "https://etcd-1:2379",
            "sluice.etcd.tls.cert-file", "/c.pem",
            "sluice.etcd.tls.key-file", "/k.pem",
            "otel.service.name", "orders");
    Map<String, String> both = new HashMap<>(cert);
    both.put("sluice.etcd.user", "agent");
    both.put("sluice.etcd.password", "s3cret");

    assertThat(SluiceConfig.fromProperties(cert::get).etcdCredentials())
        .isEqualTo(EtcdCredentials.CLIENT_CERTIFICATE);
    assertThat(SluiceConfig.fromProperties(both::get).etcdCredentials())
        .isEqualTo(EtcdCredentials.PASSWORD);
    assertThat(
            SluiceConfig.fromProperties(
                    Map.of(
                            "sluice.etcd.endpoints",
                            "http://etcd:2379",
                            "otel.service.name",
                            "orders")
                        ::get)
                .etcdCredentials())
        .isEqualTo(EtcdCredentials.NONE);
  }

  @Test
  void systemPropertiesWinOverEnvironmentVariablesInUpperCaseWithUnderscores() {
    Map<String, String> props = Map.of("otel.service.name", "from-property");
    Map<String, String> env =
        Map.of(
            "OTEL_SERVICE_NAME", "from-env",
            "SLUICE_ETCD_ENDPOINTS", "https://127.0.0.1:2379",
            "SLUICE_ETCD_TLS_CA_FILE", "/ca.pem");

    SluiceConfig config =
        SluiceConfig.fromProperties(SluiceConfig.propertiesThenEnvironment(props::get, env::get));

    assertThat(config.serviceName()).isEqualTo("from-property");
    assertThat(config.etcdEndpoints()).containsExactly(URI.create("https://127.0.0.1:2379"));
    assertThat(config.tls().caFile()).isEqualTo(Path.of("/ca.pem"));
  }

  @Test
  void keepsThePasswordExactlyAsGivenFromAPropertyOrTheEnvironment() {
    // other values are trimmed; spaces around a password are part of it, and trimmed it failed
    // etcd's authentication with no hint why
    SluiceConfig fromProperty =
        SluiceConfig.fromProperties(
            Map.of("sluice.etcd.user", " agent ", "sluice.etcd.password", " pass word ")::get);
    SluiceConfig fromEnvironment =
        SluiceConfig.fromProperties(
            SluiceConfig.propertiesThenEnvironment(
                Map.<String, String>of()::get,
                Map.of("SLUICE_ETCD_USER", "agent", "SLUICE_ETCD_PASSWORD", "\tsecret ")::get));

    assertThat(fromProperty.etcdUser()).isEqualTo("agent");
    assertThat(fromProperty.etcdPassword()).isEqualTo(" pass word ");
    assertThat(fromEnvironment.etcdPassword()).isEqualTo("\tsecret ");
    assertThat(
            SluiceConfig.fromProperties(
                    Map.of(
                            "sluice.etcd.endpoints", "https://etcd:2379",
                            "sluice.etcd.tls.cert-file", "/c.pem",
                            "sluice.etcd.tls.key-file", "/k.pem",
                            "sluice.etcd.tls.key-password", " key pass ",
                            "otel.service.name", "orders")
                        ::get)
                .tls()
                .keyPassword())
        .isEqualTo(" key pass ");
  }

  /**
   * A password of spaces only is a password (etcd takes any non-empty one): it was taken as unset,
   * and the user who had set it was told {@code sluice.etcd.user=agent is set but
   * sluice.etcd.password is not}. Only an empty value is unset.
   */
  @Test
  void keepsAPasswordOfSpacesOnlyAsGiven() {
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of("sluice.etcd.user", "agent", "sluice.etcd.password", "  ")::get);

    assertThat(config.etcdPassword()).isEqualTo("  ");
    assertThat(
            SluiceConfig.fromProperties(
                    SluiceConfig.propertiesThenEnvironment(
                        Map.<String, String>of()::get,
                        Map.of("SLUICE_ETCD_USER", "agent", "SLUICE_ETCD_PASSWORD", " ")::get))
                .etcdPassword())
        .isEqualTo(" ");
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    Map.of("sluice.etcd.user", "agent", "sluice.etcd.password", "")::get))
        .hasMessageContaining("sluice.etcd.user=agent is set but sluice.etcd.password is not");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(Map.of("sluice.etcd.password", " ")::get))
        .hasMessageContaining("sluice.etcd.password is set but sluice.etcd.user is not")
        .message()
        .doesNotContain("= ");
  }

  /**
   * A system property of spaces only sets a password as it does in a properties map: it is not
   * passed over for the environment variable, and an empty environment variable names no origin.
   */
  @Test
  void aSystemPropertyOfSpacesOnlyIsThePasswordOverTheEnvironment() {
    ConfigLookup lookup =
        ConfigLookup.propertiesThenEnvironment(
            Map.of("sluice.etcd.user", "agent", "sluice.etcd.password", "  ")::get,
            Map.of("SLUICE_ETCD_PASSWORD", "from-env", "SLUICE_ETCD_NAMESPACE", "")::get);

    assertThat(SluiceConfig.fromProperties(lookup).etcdPassword()).isEqualTo("  ");
    assertThat(lookup.origin("sluice.etcd.password")).isEqualTo("sluice.etcd.password");
    assertThat(lookup.origin("sluice.etcd.namespace")).isEqualTo("sluice.etcd.namespace");
    assertThat(lookup.value("sluice.etcd.user")).isEqualTo("agent");
  }

  @Test
  void aKeyPasswordOfSpacesOnlyIsKeptAndContradictsTlsOff() {
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "https://etcd:2379");
    props.put("sluice.etcd.tls.cert-file", "/c.pem");
    props.put("sluice.etcd.tls.key-file", "/k.pem");
    props.put("sluice.etcd.tls.key-password", "   ");
    props.put("otel.service.name", "orders");

    assertThat(SluiceConfig.fromProperties(props::get).tls().keyPassword()).isEqualTo("   ");
    props.keySet().removeIf(k -> k.endsWith("-file"));
    props.put("sluice.etcd.endpoints", "http://etcd:2379");
    props.put("sluice.etcd.tls.enabled", "false");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.tls.key-password, which needs"
                + " TLS");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "sluice.etcd.endpoints, SLUICE_ETCD_ENDPOINTS",
    "sluice.etcd.tls.ca-file, SLUICE_ETCD_TLS_CA_FILE",
    "otel.service.name, OTEL_SERVICE_NAME"
  })
  void namesEnvironmentVariables(String key, String variable) {
    assertThat(ConfigKeys.environmentVariable(key)).isEqualTo(variable);
  }

  @Test
  void httpsEndpointsTurnOnTlsWithTheSystemTrustStore() {
    SluiceConfig config =
        SluiceConfig.builder().addEtcdEndpoint("https://etcd:2379").serviceName("orders").build();

    assertThat(config.tls()).isEqualTo(EtcdTls.systemTrust());
  }

  @Test
  void readsTheSchemeInAnyCase() {
    // RFC 3986: schemes are case-insensitive, so HTTP:// is http://
    SluiceConfig plain =
        SluiceConfig.builder().addEtcdEndpoint("HTTP://etcd:2379").serviceName("orders").build();
    SluiceConfig secure =
        SluiceConfig.fromProperties(
            Map.of("sluice.etcd.endpoints", "Https://etcd:2379", "otel.service.name", "orders")
                ::get);

    assertThat(plain.etcdEndpoints()).containsExactly(URI.create("http://etcd:2379"));
    assertThat(plain.tls()).isNull();
    assertThat(secure.etcdEndpoints()).containsExactly(URI.create("https://etcd:2379"));
    assertThat(secure.tls()).isEqualTo(EtcdTls.systemTrust());
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("HTTP://a:2379")
                    .addEtcdEndpoint("https://b:2379")
                    .serviceName("orders")
                    .build())
        .hasMessageContaining("mixes http and https");
  }

  @Test
  void expandsTheHomeDirectory() {
    SluiceConfig config = SluiceConfig.fromProperties(Map.of("sluice.state.dir", "~/state")::get);

    assertThat(config.stateDir()).isEqualTo(Path.of(System.getProperty("user.home"), "state"));
  }

  /**
   * {@code ~ops/state} is expanded by a shell only: taken as written it was a relative path, state
   * kept in a directory named {@code ~ops} under the working directory, a rules or TLS file looked
   * for there. Each such path is refused, named where it was set.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "sluice.state.dir, ~ops/state, ~ops",
    "sluice.rules.file, ~ops, ~ops",
    "sluice.etcd.tls.ca-file, ~ops/ca.pem, ~ops",
    "sluice.etcd.tls.cert-file, ~ops/c.pem, ~ops",
  })
  void refusesAPathInAnotherUsersHome(String key, String value, String user) {
    Map<String, String> props = new HashMap<>();
    props.put(key, value);
    if (key.startsWith("sluice.etcd.tls.")) {
      props.put("sluice.etcd.endpoints", "https://etcd:2379");
      props.put("otel.service.name", "orders");
    }
    if (key.endsWith("cert-file")) {
      props.put("sluice.etcd.tls.key-file", "/k.pem");
    }

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "\n  - "
                + key
                + "="
                + value
                + ": "
                + user
                + " is not expanded: only ~ and ~/ stand for this user's home directory, and taken"
                + " as written it would be a path relative to the working directory; write the"
                + " path out in full");
  }

  @Test
  void aPathInAnotherUsersHomeIsNamedWhereItWasSet() {
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    SluiceConfig.propertiesThenEnvironment(
                        Map.<String, String>of()::get,
                        Map.of("SLUICE_STATE_DIR", "~ops/state")::get)))
        .hasMessage(
            "invalid Sluice configuration:\n  - environment variable SLUICE_STATE_DIR=~ops/state:"
                + " ~ops is not expanded: only ~ and ~/ stand for this user's home directory, and"
                + " taken as written it would be a path relative to the working directory; write"
                + " the path out in full");
  }

  @Test
  void expandsATildeAloneAndOnlyAtTheStart() {
    String home = System.getProperty("user.home");

    assertThat(SluiceConfig.fromProperties(Map.of("sluice.state.dir", "~")::get).stateDir())
        .isEqualTo(Path.of(home));
    assertThat(SluiceConfig.fromProperties(Map.of("sluice.state.dir", "/x/~ops")::get).stateDir())
        .isEqualTo(Path.of("/x/~ops"));
  }

  @Test
  void listsEveryBadSettingWithItsValue() {
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "ftp://etcd:2379,http://no-port,https://ok:2379");
    props.put("sluice.etcd.namespace", "/with space");
    props.put("sluice.etcd.user", "agent");
    props.put("sluice.etcd.tls.cert-file", "/client.pem");
    props.put("sluice.etcd.tls.enabled", "yes");

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "sluice.etcd.endpoints=ftp://etcd:2379: the scheme must be http or https")
        .hasMessageContaining("sluice.etcd.endpoints=http://no-port: needs a host and a port")
        .hasMessageContaining("mixes http and https")
        .hasMessageContaining("sluice.etcd.namespace=/with space")
        .hasMessageContaining("sluice.etcd.user=agent is set but sluice.etcd.password is not")
        .hasMessageContaining(
            "sluice.etcd.tls.cert-file=/client.pem needs sluice.etcd.tls.key-file")
        .hasMessageContaining("sluice.etcd.tls.enabled=yes: must be true or false")
        .hasMessageContaining("otel.service.name is required when sluice.etcd.endpoints is set");
  }

  /**
   * An app that names its service in code (as it does for the rules until the first arrive) gives
   * the name once, to {@code fromSystem(serviceName)}, and is not refused for want of {@code
   * otel.service.name}. Before, the only way from system properties asked for the name twice, and
   * refused etcd endpoints without the property.
   */
  @Test
  void takesTheServiceNameGivenInCodeInsteadOfRequiringTheProperty() {
    Map<String, String> props = new HashMap<>(Map.of("sluice.etcd.endpoints", "http://etcd:2379"));
    Map<String, String> jvm = Map.of("user.home", "/home/app");
    ConfigLookup lookup = ConfigLookup.propertiesThenEnvironment(props::get, key -> null);

    SluiceConfig named =
        SluiceConfig.fromProperties(ConfigLookup.of(props::get), "orders", jvm::get);

    assertThat(named.serviceName()).isEqualTo("orders");
    assertThat(named.etcdEndpoints()).containsExactly(URI.create("http://etcd:2379"));
    props.put("otel.service.name", "payments");
    assertThat(SluiceConfig.fromProperties(ConfigLookup.of(props::get), "orders", jvm::get))
        .as("the name in code wins")
        .extracting(SluiceConfig::serviceName)
        .isEqualTo("orders");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup, "a/b", jvm::get))
        .hasMessageContaining(
            "fromSystem(serviceName)=a/b: has a '/', refused because sluice.etcd.endpoints is"
                + " set");
    assertThat(SluiceConfig.fromSystem("orders").serviceName()).isEqualTo("orders");
    assertThatThrownBy(() -> SluiceConfig.fromSystem(null)).hasMessage("serviceName");
  }

  @Test
  void refusesAnEndpointPortOutOfRange() {
    // accepted, the etcd client would fail every call ("Port number out of range") and retry
    // forever, instead of the configuration being refused at start with its last-known-good rules
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "http://127.0.0.1:99999");
    props.put("otel.service.name", "orders");

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sluice.etcd.endpoints=http://127.0.0.1:99999");
  }

  @Test
  void refusesCredentialsAPathAQueryOrAFragmentInAnEndpointWithoutShowingThePassword() {
    // were silently ignored: the user and password never reached etcd, nor did a path
    Map<String, String> props = new HashMap<>();
    props.put(
        "sluice.etcd.endpoints",
        "http://agent:hunter2@etcd:2379/x?y, https://etcd:2379#f, http://u:p@ss,w0rd@etcd_1:2379");
    props.put("otel.service.name", "orders");

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://agent:****@etcd:2379/x?y: credentials do not belong in"
                + " an endpoint URL; set sluice.etcd.user and sluice.etcd.password")
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://agent:****@etcd:2379/x?y: an endpoint is"
                + " scheme://host:port, without a path, query or fragment")
        .hasMessageContaining(
            "sluice.etcd.endpoints=https://etcd:2379#f: an endpoint is scheme://host:port")
        .hasMessageContaining("mixes http and https")
        .hasMessageNotContaining("hunter2")
        .hasMessageNotContaining("p@ss")
        .hasMessageNotContaining("w0rd");
  }

  @Test
  void neverShowsAnEndpointPasswordInAnyMessage() {
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    Map.of("sluice.etcd.endpoints", "http://agent:hunter 2@etcd:2379")::get))
        .hasMessageContaining("sluice.etcd.endpoints=http://agent:****@etcd:2379")
        .hasMessageContaining("not a URL (Illegal character in authority)")
        .hasMessageNotContaining("hunter");
    assertThatThrownBy(
            () -> SluiceConfig.builder().addEtcdEndpoint("http://agent:hunter 2@etcd:2379"))
        .hasMessageContaining("builder().addEtcdEndpoint(…)=http://agent:****@etcd:2379")
        .hasMessageNotContaining("hunter");
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    Map.of("sluice.etcd.endpoints", "agent:hunter2@etcd:2379")::get))
        .hasMessageContaining("needs a scheme: write http://host:port")
        .hasMessageNotContaining("hunter");
    assertThat(SluiceConfig.withoutPasswords("http://etcd:2379,https://user@etcd:2379"))
        .isEqualTo("http://etcd:2379,https://user@etcd:2379");
    assertThat(SluiceConfig.withoutPasswords("[http://u:a@b:c@etcd:2379/x, http://etcd:2379]"))
        .isEqualTo("[http://u:****@etcd:2379/x, http://etcd:2379]");
  }

  @Test
  void acceptsATrailingSlashAndKeepsSchemeHostAndPortOnly() {
    SluiceConfig config =
        SluiceConfig.builder().addEtcdEndpoint("http://etcd:2379/").serviceName("orders").build();

    assertThat(config.etcdEndpoints()).containsExactly(URI.create("http://etcd:2379"));
  }

  @Test
  void refusesTlsEnabledFalseTogetherWithSettingsThatTurnTlsOn() {
    // a TLS file (or https://) silently turned TLS on although sluice.etcd.tls.enabled=false
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "https://etcd:2379");
    props.put("sluice.etcd.tls.enabled", "false");
    props.put("sluice.etcd.tls.ca-file", "/ca.pem");
    props.put("sluice.etcd.tls.cert-file", "/client.pem");
    props.put("sluice.etcd.tls.key-file", "/client.key");
    props.put("sluice.etcd.tls.key-password", "k3y-s3cret");
    props.put("otel.service.name", "orders");

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.tls.ca-file=/ca.pem")
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.tls.cert-file=/client.pem")
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.tls.key-file=/client.key")
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.tls.key-password")
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts sluice.etcd.endpoints=https://etcd:2379")
        .hasMessageNotContaining("k3y-s3cret");
    assertThat(
            SluiceConfig.fromProperties(
                    Map.of(
                            "sluice.etcd.endpoints", "http://etcd:2379",
                            "sluice.etcd.tls.enabled", "FALSE",
                            "otel.service.name", "orders")
                        ::get)
                .tls())
        .isNull();
  }

  @Test
  void refusesTlsSettingsWithHttpEndpoints() {
    // TLS was used against the http:// endpoint: with a plain-text etcd every handshake failed
    // and the agent retried forever
    Map<String, String> props = new HashMap<>();
    props.put("sluice.etcd.endpoints", "http://etcd-1:2379,HTTP://etcd-2:2379");
    props.put("sluice.etcd.tls.ca-file", "/ca.pem");
    props.put("otel.service.name", "orders");

    assertThatThrownBy(() -> SluiceConfig.fromProperties(props::get))
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://etcd-1:2379,HTTP://etcd-2:2379: TLS settings"
                + " (sluice.etcd.tls.*) need https:// endpoints");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("http://etcd:2379")
                    .tls(EtcdTls.systemTrust())
                    .serviceName("orders")
                    .build())
        .hasMessageContaining("builder().addEtcdEndpoint(…)=http://etcd:2379: TLS settings");
  }

  /**
   * A service name given to the builder, or to the constructor, was given in code: the refusal
   * names it so, as {@code fromSystem(serviceName)} does, not as {@code otel.service.name}, which
   * was never read.
   */
  @Test
  void refusesAServiceNameThatCannotBeAKeyNamingItAsGivenInCode() {
    assertThatThrownBy(() -> SluiceConfig.builder().serviceName(" x").build())
        .hasMessageContaining(
            "builder().serviceName(…)= x: must be a non-blank name without surrounding spaces")
        .hasMessageNotContaining("otel.service.name");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("http://etcd:2379")
                    .serviceName("a/b")
                    .build())
        .hasMessageContaining(
            "builder().serviceName(…)=a/b: has a '/', refused because builder().addEtcdEndpoint(…)"
                + " is set")
        .hasMessageNotContaining("otel.service.name");
    assertThatThrownBy(
            () ->
                new SluiceConfig(
                    List.of(URI.create("http://etcd:2379")),
                    "/sluice",
                    null,
                    null,
                    null,
                    null,
                    Path.of("/state"),
                    "a/b"))
        .hasMessageContaining(
            "new SluiceConfig(…, serviceName)=a/b: has a '/', refused because new"
                + " SluiceConfig(etcdEndpoints, …) is set")
        .hasMessageNotContaining("otel.service.name");
  }

  /**
   * Every setting given to the builder was given in code: a refusal names the method the user
   * called, not a configuration key the user never wrote.
   */
  @Test
  void namesEverySettingGivenToTheBuilderByItsMethod() {
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("ftp://etcd:2379")
                    .namespace("/with space")
                    .etcdCredentials("agent", null)
                    .tls(new EtcdTls(null, Path.of("/client.pem"), null, null, null))
                    .rulesFile(Path.of("/"))
                    .build())
        .hasMessageContaining(
            "builder().addEtcdEndpoint(…)=ftp://etcd:2379: the scheme must be http or https")
        .hasMessageContaining(
            "builder().namespace(…)=/with space: must be a key prefix without spaces")
        .hasMessageContaining(
            "builder().etcdCredentials(user, …)=agent is set but"
                + " builder().etcdCredentials(…, password) is not")
        .hasMessageContaining(
            "builder().tls(…).certFile()=/client.pem needs builder().tls(…).keyFile()")
        .hasMessageContaining("builder().rulesFile(…)=/: must name a file")
        .hasMessageContaining(
            "builder().serviceName(…) is required when builder().addEtcdEndpoint(…) is set")
        .hasMessageNotContaining("sluice.etcd.endpoints")
        .hasMessageNotContaining("sluice.etcd.namespace")
        .hasMessageNotContaining("sluice.etcd.user")
        .hasMessageNotContaining("sluice.etcd.password")
        .hasMessageNotContaining("sluice.etcd.tls.")
        .hasMessageNotContaining("sluice.rules.file")
        .hasMessageNotContaining("otel.service.name");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .etcdCredentials(null, "secret")
                    .tls(new EtcdTls(null, null, Path.of("/client.key"), "k3y", null))
                    .build())
        .hasMessageContaining(
            "builder().etcdCredentials(…, password) is set but"
                + " builder().etcdCredentials(user, …) is not")
        .hasMessageContaining(
            "builder().tls(…).keyFile()=/client.key needs builder().tls(…).certFile()")
        .hasMessageNotContaining("secret")
        .hasMessageNotContaining("k3y");
    assertThatThrownBy(
            () -> SluiceConfig.builder().tls(new EtcdTls(null, null, null, "k3y", null)).build())
        .hasMessageContaining(
            "builder().tls(…).keyPassword() is set but builder().tls(…).keyFile() is not")
        .hasMessageNotContaining("k3y");
  }

  @Test
  void roundTripsThroughItsBuilder() {
    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("http://127.0.0.1:2379")
            .namespace("/ns")
            .etcdCredentials("u", "p")
            .rulesFile(Path.of("/r.json"))
            .stateDir(Path.of("/s"))
            .serviceName("svc")
            .build();

    assertThat(config.toBuilder().build()).isEqualTo(config);
  }

  @Test
  void buildsAnEtcdClientWithoutConnecting() {
    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("http://127.0.0.1:1")
            .etcdCredentials("agent", "secret")
            .serviceName("orders")
            .build();

    try (Client client = EtcdClientFactory.create(config)) {
      assertThat(client).isNotNull();
    }
  }

  @Test
  void refusesARulesFileThatNamesNoFileNamingTheKey() {
    // before: accepted, then the rule source failed to start with a stack trace that named no
    // key, and the agent still logged "rules for 'orders' from file /"
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    Map.of("sluice.rules.file", "/", "otel.service.name", "orders")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sluice.rules.file=/: must name a file");
    assertThatThrownBy(() -> SluiceConfig.builder().rulesFile(Path.of("/")).build())
        .hasMessageContaining("builder().rulesFile(…)=/: must name a file")
        .hasMessageNotContaining("sluice.rules.file");
    assertThat(
            SluiceConfig.fromProperties(Map.of("sluice.rules.file", "/rules.json")::get)
                .rulesFile())
        .isEqualTo(Path.of("/rules.json"));
  }

  @Test
  void theClientKeepsLeasesAliveOnAVertxWithoutAFileCacheOrShutdownHook() throws Exception {
    // jetcd's own Vert.x, made at the first keep-alive, sets up a vertx-cache-* directory and a
    // JVM shutdown hook: made while the JVM shuts down (a status write still on its way when main
    // returns) the hook is refused, the write fails with "Shutdown in progress" and the directory
    // is left behind
    SluiceConfig config =
        SluiceConfig.builder().addEtcdEndpoint("http://127.0.0.1:1").serviceName("orders").build();

    try (Client client = EtcdClientFactory.create(config)) {
      client
          .getLeaseClient()
          .keepAlive(
              1,
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              })
          .close();
      Object manager = field(client, "connectionManager");
      io.vertx.core.Vertx vertx = (io.vertx.core.Vertx) field(manager, "vertx");
      assertThat(vertx).isNotNull();
      io.vertx.core.spi.file.FileResolver resolver =
          ((io.vertx.core.internal.VertxInternal) vertx).fileResolver();
      assertThat(((io.vertx.core.file.impl.FileResolverImpl) resolver).getFileCache()).isNull();
    }
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }

  @Test
  void acceptsAHostNameWithAnUnderscoreAsDockerComposeNamesServices() {
    // java.net.URI takes no host from http://etcd_1:2379 (getHost() is null), but the name
    // resolves and gRPC connects to it: the host and port come from the URL's authority
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "http://etcd_1:2379,http://etcd_2:2379",
                    "otel.service.name",
                    "orders")
                ::get);

    assertThat(config.etcdEndpoints())
        .containsExactly(URI.create("http://etcd_1:2379"), URI.create("http://etcd_2:2379"));
    assertThat(EtcdClientFactory.builder(config).target())
        .isEqualTo("sluice-etcd:///etcd_1:2379,etcd_2:2379");
    try (Client client = EtcdClientFactory.create(config)) {
      assertThat(client).isNotNull();
    }
  }

  @Test
  void stillRefusesAnEndpointWithoutAPortOrWithoutAHostName() {
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("http://etcd_1")
                    .addEtcdEndpoint("http://etcd_1:twenty")
                    .addEtcdEndpoint("http://etcd!1:2379")
                    .serviceName("orders")
                    .build())
        .hasMessageContaining("builder().addEtcdEndpoint(…)=http://etcd_1: needs a host and a port")
        .hasMessageContaining(
            "builder().addEtcdEndpoint(…)=http://etcd_1:twenty: needs a host and a port")
        .hasMessageContaining(
            "builder().addEtcdEndpoint(…)=http://etcd!1:2379: 'etcd!1' is not a host name");
  }

  @Test
  void refusesAnUnderscoreHostOverTlsUnlessTheCertificateNameIsGiven() {
    // the JDK's TLS host name check refuses a name with '_' ("Illegal given domain name"), so
    // every call would fail; with sluice.etcd.tls.authority the certificate is checked for that
    // name instead, and the connection works
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("https://etcd_1:2379")
                    .serviceName("orders")
                    .build())
        .hasMessageContaining("builder().addEtcdEndpoint(…)=https://etcd_1:2379: ")
        .hasMessageContaining("'_'")
        // the method to call, not a key the caller never wrote (before: sluice.etcd.tls.authority)
        .hasMessageContaining("set builder().tls(…).authority() to a name in etcd's certificate")
        .hasMessageNotContaining("sluice.etcd");

    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("https://etcd_1:2379")
            .tls(new EtcdTls(null, null, null, null, "etcd.internal"))
            .serviceName("orders")
            .build();
    assertThat(EtcdClientFactory.builder(config).target()).isEqualTo("sluice-etcd:///etcd_1:2379");
    assertThat(EtcdClientFactory.builder(config).authority()).isEqualTo("etcd.internal");
  }

  @Test
  void refusesToBuildAClientWithoutEndpoints() {
    assertThatThrownBy(() -> EtcdClientFactory.create(SluiceConfig.builder().build()))
        .hasMessageContaining(
            "sluice.etcd.endpoints (SLUICE_ETCD_ENDPOINTS) is not set: there is no etcd");
  }

  @Test
  void tlsSetUpNamesTheFileItCouldNotRead() throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
    EtcdTls tls = new EtcdTls(notPem, null, null, null, null);

    assertThatThrownBy(() -> EtcdClientFactory.sslContext(tls))
        .hasMessageContaining("could not set up TLS for etcd")
        .hasMessageContaining("sluice.etcd.tls.ca-file=" + notPem + ": holds no PEM certificate");
    assertThat(EtcdClientFactory.sslContext(EtcdTls.systemTrust()).isClient()).isTrue();
    assertThat(List.of(tls.toString())).noneMatch(s -> s.contains("secret"));
  }

  @Test
  void tlsSetUpNamesEveryUnusableFileWithItsKey() throws Exception {
    // before: "File does not contain valid certificates: <file>", of the first file only and with
    // no key, so a cert-file and key-file pointing at the same garbage left the user guessing
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "garbage");
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key either");
    Path ca = Files.writeString(dir.resolve("ca.pem"), "no CA");

    assertThatThrownBy(
            () -> EtcdClientFactory.sslContext(new EtcdTls(ca, garbage, garbage, null, null)))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessageStartingWith(
            "could not set up TLS for etcd: sluice.etcd.tls.ca-file=" + ca + ": holds no PEM")
        .hasMessageContaining("sluice.etcd.tls.ca-file=" + ca + ": holds no PEM certificate")
        .hasMessageContaining(
            "sluice.etcd.tls.cert-file=" + garbage + ": holds no PEM certificate");

    // a usable certificate with an unusable key: the key is named, and so is the password
    Path cert = io.sluice.testing.etcd.TestCertificates.issue(dir.resolve("certs")).clientCert();
    assertThatThrownBy(
            () -> EtcdClientFactory.sslContext(new EtcdTls(null, cert, key, "hunter2", null)))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessageContaining(
            "sluice.etcd.tls.key-file=" + key + ": holds no PKCS#8 PEM private key")
        .hasMessageContaining("sluice.etcd.tls.key-password does not decrypt it")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void theRecordConstructorChecksAsTheBuilderDoes() {
    assertThatThrownBy(
            () ->
                new SluiceConfig(
                    List.of(java.net.URI.create("ftp://x:1")),
                    "",
                    "agent",
                    null,
                    null,
                    null,
                    dir,
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        // each named by the constructor's parameter, not by a key the caller never wrote
        .hasMessageContaining(
            "new SluiceConfig(etcdEndpoints, …)=ftp://x:1: the scheme must be http or https")
        .hasMessageContaining(
            "new SluiceConfig(…, namespace, …)=: must be a key prefix without spaces")
        .hasMessageContaining(
            "new SluiceConfig(…, etcdUser, …)=agent is set but"
                + " new SluiceConfig(…, etcdPassword, …) is not")
        .hasMessageContaining(
            "new SluiceConfig(…, serviceName) is required when"
                + " new SluiceConfig(etcdEndpoints, …) is set")
        .hasMessageNotContaining("sluice.")
        .hasMessageNotContaining("otel.");
    SluiceConfig built =
        SluiceConfig.builder()
            .addEtcdEndpoint("HTTPS://etcd.internal:2379")
            .serviceName("orders")
            .stateDir(dir)
            .build();
    assertThat(
            new SluiceConfig(
                built.etcdEndpoints(),
                built.namespace(),
                null,
                null,
                built.tls(),
                null,
                dir,
                "orders"))
        .isEqualTo(built);
    // https:// speaks TLS (the JDK's trust) even without TLS files, however it was made
    SluiceConfig constructed =
        new SluiceConfig(
            List.of(java.net.URI.create("HTTPS://etcd.internal:2379/")),
            "/sluice",
            null,
            null,
            null,
            null,
            dir,
            "orders");
    assertThat(constructed.etcdEndpoints())
        .containsExactly(java.net.URI.create("https://etcd.internal:2379"));
    assertThat(constructed.tls()).isEqualTo(EtcdTls.systemTrust());
  }

  @Test
  void tlsSetUpNamesEveryMissingFileWithItsKey() throws Exception {
    Path ca = dir.resolve("missing-ca.pem");
    Path cert = dir.resolve("missing-cert.pem");
    Path key = Files.createDirectories(dir.resolve("key.pem"));

    assertThatThrownBy(
            () -> EtcdClientFactory.sslContext(new EtcdTls(ca, cert, key, "hunter2", null)))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessage(
            "could not set up TLS for etcd: sluice.etcd.tls.ca-file="
                + ca
                + ": no such file; sluice.etcd.tls.cert-file="
                + cert
                + ": no such file; sluice.etcd.tls.key-file="
                + key
                + ": not a regular file");
  }

  /**
   * A container user without a passwd entry has {@code user.home=?}: the default state directory is
   * then under the temporary directory, never relative to the working directory.
   */
  @ParameterizedTest(name = "user.home={0}")
  @NullSource
  @ValueSource(strings = {"?", "", "relative/home"})
  void withoutAHomeTheDefaultStateDirIsTheUsersOwnUnderTheTemporaryDirectory(String home) {
    Map<String, String> jvm = jvm(home);
    Path own = dir.resolve("sluice-app_1");

    Path state = SluiceConfig.fromProperties(key -> null, jvm::get).stateDir();

    assertThat(state).isAbsolute().isEqualTo(own.resolve(".sluice"));
    assertThat(
            SluiceConfig.fromProperties(Map.of("sluice.state.dir", "~/state")::get, jvm::get)
                .stateDir())
        .isEqualTo(own.resolve("state"));
  }

  @Test
  void aStateDirUnderTheTemporaryDirectoryIsSaidWithWhereWhyAndTheKey() {
    Map<String, String> jvm = jvm("?");
    Path state = SluiceConfig.fromProperties(key -> null, jvm::get).stateDir();

    assertThat(SluiceConfig.temporaryStateDirNotice(state, jvm::get, BOTH_STATE_DIR_NAMES))
        .isEqualTo(
            "Sluice keeps its last-known-good rules in "
                + state
                + ", under the temporary directory, because the JVM knows no home directory"
                + " (user.home=?, as for a container user without a passwd entry); the temporary"
                + " directory may be cleaned, and then an agent that starts while etcd is away"
                + " runs the built-in defaults: set sluice.state.dir (or SLUICE_STATE_DIR) to a"
                + " directory this user can write that is kept across restarts");
    assertThat(
            SluiceConfig.temporaryStateDirNotice(
                dir.resolve("sluice-app_1/state"), jvm::get, BOTH_STATE_DIR_NAMES))
        .as("~/state expanded without a home")
        .startsWith("Sluice keeps its last-known-good rules in " + dir.resolve("sluice-app_1"));
  }

  @Test
  void aStateDirOfAHomeOrSetElsewhereIsNotSaid() {
    Map<String, String> withHome = jvm(dir.resolve("home").toString());
    Path inHome = SluiceConfig.fromProperties(key -> null, withHome::get).stateDir();
    assertThat(SluiceConfig.temporaryStateDirNotice(inHome, withHome::get, BOTH_STATE_DIR_NAMES))
        .isNull();

    Map<String, String> homeless = jvm("?");
    Path set =
        SluiceConfig.fromProperties(
                Map.of("sluice.state.dir", dir.resolve("var/sluice").toString())::get,
                homeless::get)
            .stateDir();
    assertThat(SluiceConfig.temporaryStateDirNotice(set, homeless::get, BOTH_STATE_DIR_NAMES))
        .isNull();
  }

  /** The JVM's properties as {@link SluiceConfig#home} reads them, with {@code user.home}. */
  private Map<String, String> jvm(String home) {
    Map<String, String> jvm = new HashMap<>();
    jvm.put("user.home", home);
    jvm.put("user.name", "app/1");
    jvm.put("java.io.tmpdir", dir.toString());
    return jvm;
  }
}

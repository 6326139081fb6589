package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every configuration error names the setting where the user set it: {@code environment variable
 * SLUICE_ETCD_ENDPOINTS=foo} for a value from the environment, {@code sluice.etcd.endpoints=foo}
 * for a system property. A user who set the variable and reads the key greps the JVM's flags for it
 * and finds nothing.
 */
class SluiceConfigOriginsTest {

  /** {@code <key>} in an expected message stands for where the key's value was set. */
  private static final Pattern SETTING = Pattern.compile("<([a-z.-]+)>");

  /**
   * Each error SluiceConfig reports: the settings (by key), and the message expected. A setting
   * that is missing is named by both names it could be given under, wherever the others were set.
   */
  static Stream<Arguments> everyError() {
    return Stream.of(
        error(
            "endpoint without a scheme",
            Map.of("sluice.etcd.endpoints", "foo", "otel.service.name", "orders"),
            "<sluice.etcd.endpoints>=foo: needs a scheme"),
        error(
            "endpoints mixing schemes",
            Map.of("sluice.etcd.endpoints", "http://a:1,https://b:2", "otel.service.name", "o"),
            "<sluice.etcd.endpoints>=http://a:1,https://b:2: mixes http and https"),
        error(
            "TLS settings with an http endpoint",
            Map.of(
                "sluice.etcd.endpoints", "http://e:2379",
                "sluice.etcd.tls.ca-file", "/ca.pem",
                "otel.service.name", "orders"),
            "<sluice.etcd.endpoints>=http://e:2379: TLS settings"),
        error(
            "namespace with a space",
            Map.of("sluice.etcd.namespace", "/with space"),
            "<sluice.etcd.namespace>=/with space: must be a key prefix without spaces"),
        error(
            "password without a user",
            Map.of("sluice.etcd.password", "secret"),
            "<sluice.etcd.password> is set but sluice.etcd.user (SLUICE_ETCD_USER) is not"),
        error(
            "user without a password",
            Map.of("sluice.etcd.user", "agent"),
            "<sluice.etcd.user>=agent is set but sluice.etcd.password (SLUICE_ETCD_PASSWORD) is"
                + " not"),
        error(
            "certificate without a key",
            Map.of("sluice.etcd.tls.cert-file", "/c.pem"),
            "<sluice.etcd.tls.cert-file>=/c.pem needs sluice.etcd.tls.key-file"
                + " (SLUICE_ETCD_TLS_KEY_FILE)"),
        error(
            "key without a certificate",
            Map.of("sluice.etcd.tls.key-file", "/k.pem"),
            "<sluice.etcd.tls.key-file>=/k.pem needs sluice.etcd.tls.cert-file"
                + " (SLUICE_ETCD_TLS_CERT_FILE)"),
        error(
            "key password without a key",
            Map.of("sluice.etcd.tls.key-password", "p", "sluice.etcd.tls.enabled", "true"),
            "<sluice.etcd.tls.key-password> is set but sluice.etcd.tls.key-file"
                + " (SLUICE_ETCD_TLS_KEY_FILE) is not"),
        error(
            "TLS enabled neither true nor false",
            Map.of("sluice.etcd.tls.enabled", "yes"),
            "<sluice.etcd.tls.enabled>=yes: must be true or false"),
        error(
            "TLS off with a CA file",
            Map.of("sluice.etcd.tls.enabled", "false", "sluice.etcd.tls.ca-file", "/ca.pem"),
            "<sluice.etcd.tls.enabled>=false: contradicts <sluice.etcd.tls.ca-file>=/ca.pem"),
        error(
            "TLS off with a key password",
            Map.of(
                "sluice.etcd.tls.enabled", "false",
                "sluice.etcd.tls.key-password", "p",
                "sluice.etcd.tls.key-file", "/k.pem",
                "sluice.etcd.tls.cert-file", "/c.pem"),
            "<sluice.etcd.tls.enabled>=false: contradicts <sluice.etcd.tls.key-password>,"),
        error(
            "TLS off with an https endpoint",
            Map.of(
                "sluice.etcd.tls.enabled", "false",
                "sluice.etcd.endpoints", "https://e:2379",
                "otel.service.name", "orders"),
            "<sluice.etcd.tls.enabled>=false: contradicts <sluice.etcd.endpoints>=https://e:2379"),
        error(
            "rules file naming a root",
            Map.of("sluice.rules.file", "/"),
            "<sluice.rules.file>=/: must name a file, not a root directory"),
        error(
            "state dir that is no path",
            Map.of("sluice.state.dir", "a\0b"),
            "<sluice.state.dir>=a\0b: not a valid path"),
        error(
            "CA file that is no path",
            Map.of("sluice.etcd.tls.ca-file", "c\0a"),
            "<sluice.etcd.tls.ca-file>=c\0a: not a valid path"),
        error(
            "service name with a slash, with etcd",
            Map.of("otel.service.name", "team/orders", "sluice.etcd.endpoints", "http://e:2379"),
            "<otel.service.name>=team/orders: has a '/', refused because <sluice.etcd.endpoints>"
                + " is set: the name is one segment of the etcd keys"),
        error(
            "endpoints without a service name",
            Map.of("sluice.etcd.endpoints", "http://e:2379"),
            "otel.service.name (OTEL_SERVICE_NAME) is required when <sluice.etcd.endpoints> is"
                + " set"));
  }

  private static Arguments error(String name, Map<String, String> settings, String expected) {
    return Arguments.of(Named.of(name, settings), expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyError")
  void anErrorNamesTheEnvironmentVariableAValueCameFrom(
      Map<String, String> settings, String expected) {
    Map<String, String> environment = new HashMap<>();
    settings.forEach((key, value) -> environment.put(ConfigKeys.environmentVariable(key), value));

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(key -> null, environment::get)))
        .hasMessageContaining(
            expected(
                expected, key -> "environment variable " + ConfigKeys.environmentVariable(key)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyError")
  void anErrorNamesASystemPropertyByItsKey(Map<String, String> settings, String expected) {
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(settings::get, key -> null)))
        .hasMessageContaining(expected(expected, key -> key))
        .message()
        .doesNotContain("environment variable");
  }

  @Test
  void theFunctionLookupOfPropertiesThenEnvironmentNamesTheEnvironmentToo() {
    // the public Function-typed lookup of earlier versions, given to fromProperties(Function)
    Function<String, String> lookup =
        SluiceConfig.propertiesThenEnvironment(
            Map.of("sluice.etcd.tls.enabled", "false")::get,
            Map.of("SLUICE_ETCD_TLS_CA_FILE", "/ca.pem", "SLUICE_ETCD_TLS_ENABLED", "true")::get);

    assertThat(lookup.apply("sluice.etcd.tls.enabled")).isEqualTo("false");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup))
        .hasMessageContaining(
            "sluice.etcd.tls.enabled=false: contradicts environment variable"
                + " SLUICE_ETCD_TLS_CA_FILE=/ca.pem, which needs TLS");
  }

  @Test
  void aMergedLookupNamesTheEnvironmentOnlyForTheValueTheVariableHolds() {
    // as OpenTelemetry's configuration merges -D, the environment and its configuration file
    Map<String, String> merged =
        Map.of(
            "sluice.etcd.endpoints", "foo",
            "sluice.etcd.namespace", "/a b",
            "sluice.rules.file", "/");
    Map<String, String> properties = Map.of("sluice.etcd.namespace", "/a b");
    Map<String, String> environment =
        Map.of(
            "SLUICE_ETCD_ENDPOINTS", " foo ",
            "SLUICE_ETCD_NAMESPACE", "/env",
            "SLUICE_RULES_FILE", "/from-env.json");

    ConfigLookup lookup = ConfigLookup.withOrigins(merged::get, properties::get, environment::get);

    assertThat(lookup.origin("sluice.etcd.endpoints"))
        .isEqualTo("environment variable SLUICE_ETCD_ENDPOINTS");
    assertThat(lookup.origin("sluice.etcd.namespace")).isEqualTo("sluice.etcd.namespace");
    assertThat(lookup.origin("sluice.rules.file")).isEqualTo("sluice.rules.file");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup))
        .hasMessageContaining("environment variable SLUICE_ETCD_ENDPOINTS=foo: needs a scheme")
        .hasMessageContaining("\n  - sluice.etcd.namespace=/a b: must be")
        .hasMessageContaining("\n  - sluice.rules.file=/: must name a file");
  }

  @Test
  void aMergedLookupNamesAMissingSettingByItsKeyAndItsVariable() {
    // the agent's lookup: a user who configures by environment variables looks for
    // OTEL_SERVICE_NAME
    Map<String, String> merged = Map.of("sluice.etcd.endpoints", "http://e:2379");

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.withOrigins(merged::get, merged::get, key -> null)))
        .hasMessageContaining(
            "\n  - otel.service.name (OTEL_SERVICE_NAME) is required when sluice.etcd.endpoints is"
                + " set");
  }

  @Test
  void aPlainFunctionLookupNamesEveryValueByItsKey() {
    assertThatThrownBy(
            () -> SluiceConfig.fromProperties(Map.of("sluice.etcd.endpoints", "foo")::get))
        .hasMessageContaining("\n  - sluice.etcd.endpoints=foo: needs a scheme");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(Map.of("sluice.etcd.user", "agent")::get))
        .hasMessageContaining("sluice.etcd.user=agent is set but sluice.etcd.password is not");
  }

  private static String expected(String template, Function<String, String> origin) {
    Matcher setting = SETTING.matcher(template);
    StringBuilder expected = new StringBuilder();
    while (setting.find()) {
      setting.appendReplacement(expected, Matcher.quoteReplacement(origin.apply(setting.group(1))));
    }
    return setting.appendTail(expected).toString();
  }
}

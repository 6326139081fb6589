package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Misspelled keys under the agent's prefixes are named with the key meant; the rest are not. */
class UnknownSettingsTest {

  @Test
  void namesMisspelledKeysWithTheKeyMeant() {
    assertThat(
            UnknownSettings.find(
                Map.of("sluice.etcd.namespce", "/prod", "sluice.etcd.endpoints", "x"),
                Map.of(
                    "SLUICE_ETCD_ENDPOINT", "http://etcd:2379",
                    "SLUICE_STATE_DIRECTORY", "/data",
                    "SLUICE_RULES_FILE", "/rules.json"),
                true))
        .containsExactly(
            "SLUICE_ETCD_ENDPOINT (environment variable; did you mean SLUICE_ETCD_ENDPOINTS?)",
            "SLUICE_STATE_DIRECTORY (environment variable)",
            "sluice.etcd.namespce (system property; did you mean sluice.etcd.namespace?)");
  }

  @Test
  void acceptsEveryKeyInEitherSpellingAndIgnoresOtherSluiceSettings() {
    assertThat(
            UnknownSettings.find(
                Map.of(
                    "sluice.etcd.tls.ca.file", "ca.pem", // OpenTelemetry reads '.' as '-'
                    "SLUICE.STATE.DIR", "/data",
                    "sluice.etcd.tls.key-password", "p",
                    "sluice.events.max-clients", "3", // the control plane's
                    "otel.service.name", "orders"),
                Map.of(
                    "SLUICE_ETCD_TLS_CA_FILE", "ca.pem",
                    "SLUICE_AGENT_JAR", "agent.jar", // demo.sh's
                    "SLUICE_DEMO_LOG", "x"),
                true))
        .isEmpty();
  }

  @Test
  void withoutTheAgentAPropertyIsReadByItsExactKeyOnly() {
    assertThat(UnknownSettings.find(Map.of("sluice.etcd.tls.ca.file", "ca.pem"), Map.of(), false))
        .containsExactly(
            "sluice.etcd.tls.ca.file (system property; did you mean sluice.etcd.tls.ca-file?)");
  }
}

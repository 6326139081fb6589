package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Misspelled keys under the agent's prefixes are named with the key meant; the rest are not. */
class UnknownSettingsTest {

  @Test
  void namesMisspelledKeysWithTheKeyMeant() {
    assertThat(
            UnknownSettings.find(
                Set.of("sluice.etcd.namespce", "sluice.etcd.endpoints"),
                Set.of("SLUICE_ETCD_ENDPOINT", "SLUICE_STATE_DIRECTORY", "SLUICE_RULES_FILE"),
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
                Set.of(
                    "sluice.etcd.tls.ca.file", // OpenTelemetry reads '.' as '-'
                    "SLUICE.STATE.DIR",
                    "sluice.etcd.tls.key-password",
                    "sluice.events.max-clients", // the control plane's
                    "otel.service.name"),
                Set.of(
                    "SLUICE_ETCD_TLS_CA_FILE",
                    "SLUICE_AGENT_JAR", // demo.sh's
                    "SLUICE_DEMO_LOG"),
                true))
        .isEmpty();
  }

  @Test
  void withoutTheAgentAPropertyIsReadByItsExactKeyOnly() {
    assertThat(UnknownSettings.find(Set.of("sluice.etcd.tls.ca.file"), Set.of(), false))
        .containsExactly(
            "sluice.etcd.tls.ca.file (system property; did you mean sluice.etcd.tls.ca-file?)");
  }
}

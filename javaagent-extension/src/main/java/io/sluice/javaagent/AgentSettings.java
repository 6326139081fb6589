package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's Sluice settings, read from the agent's configuration (system properties, environment
 * variables in upper case with {@code _}, or an agent configuration file), as listed in
 * ARCHITECTURE.md.
 *
 * @param service the service name that selects the rule document
 * @param etcdEndpoints etcd URLs; empty when etcd is not used
 * @param namespace the etcd key prefix
 * @param rulesFile a local rule document, or {@code null}
 * @param stateDir where the last-known-good snapshot lives
 */
record AgentSettings(
    String service, List<String> etcdEndpoints, String namespace, Path rulesFile, Path stateDir) {

  static AgentSettings from(ConfigProperties config) {
    String service = config.getString("otel.service.name", "unknown_service:java");
    String rulesFile = config.getString("sluice.rules.file");
    return new AgentSettings(
        service,
        config.getList("sluice.etcd.endpoints", List.of()),
        config.getString("sluice.etcd.namespace", "/sluice"),
        rulesFile == null || rulesFile.isBlank() ? null : Path.of(rulesFile),
        Path.of(
            config.getString(
                "sluice.state.dir",
                Path.of(System.getProperty("user.home"), ".sluice").toString())));
  }

  /** Whether neither etcd nor a rules file is configured: the agent runs on built-in defaults. */
  boolean defaultsOnly() {
    return etcdEndpoints.isEmpty() && rulesFile == null;
  }
}

package io.sluice.controlplane;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Writes agent statuses into etcd as an agent's status reporter does: under its key {@code
 * /sluice/v1/agents/{service}/{instanceId}}, attached to a lease, so that revoking the lease makes
 * the agents go as a stopped agent's do. One place for the put the control plane's ITs repeat.
 */
final class LeasedStatuses {

  private LeasedStatuses() {}

  /** Writes {@code status} under its key, attached to {@code lease}; waits up to 5 s. */
  static void put(Client jetcd, long lease, AgentStatus status) throws Exception {
    jetcd
        .getKVClient()
        .put(
            bytes("/sluice/v1/agents/" + status.service() + "/" + status.instanceId()),
            bytes(AgentStatusCodec.write(status)),
            PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}

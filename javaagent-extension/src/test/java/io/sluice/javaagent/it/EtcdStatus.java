package io.sluice.javaagent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Reads the agents' status documents from etcd, as the control plane would. */
final class EtcdStatus implements AutoCloseable {

  private final Client client;

  EtcdStatus(String endpoint) {
    this.client = Client.builder().endpoints(endpoint).build();
  }

  /** The status of the one agent of {@code service}, if it has written one. */
  Optional<AgentStatus> of(String service) {
    try {
      String prefix = EtcdKeys.defaults().agentsPrefix(service);
      List<KeyValue> kvs =
          client
              .getKVClient()
              .get(
                  ByteSequence.from(prefix, StandardCharsets.UTF_8),
                  GetOption.builder().isPrefix(true).build())
              .get(5, TimeUnit.SECONDS)
              .getKvs();
      if (kvs.isEmpty()) {
        return Optional.empty();
      }
      return AgentStatusCodec.parse(kvs.get(kvs.size() - 1).getValue().getBytes());
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    client.close();
  }
}

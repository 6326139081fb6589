package io.sluice.controlplane.history;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads what a service's history holds in etcd, for tests of its bound. */
public final class HistoryRevisions {

  private HistoryRevisions() {}

  /**
   * The revisions of {@code service}'s history entries under {@code keys}, oldest first, read
   * through {@code client}; keys under its prefix that name no revision (stray keys) are left out.
   */
  public static List<Long> of(Client client, EtcdKeys keys, String service) throws Exception {
    String prefix = keys.historyPrefix(service);
    List<Long> revisions = new ArrayList<>();
    for (KeyValue kv :
        client
            .getKVClient()
            .get(
                ByteSequence.from(prefix, StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).withKeysOnly(true).build())
            .get(10, TimeUnit.SECONDS)
            .getKvs()) {
      String revision = kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length());
      if (!revision.isEmpty() && revision.chars().allMatch(Character::isDigit)) {
        revisions.add(Long.parseLong(revision));
      }
    }
    return revisions;
  }
}

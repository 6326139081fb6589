package io.sluice.controlplane.etcd;

import io.etcd.jetcd.KeyValue;
import java.util.Map;

/** A {@link PrefixWatch.Listener} for tests about a watch's reads, not about what it mirrors. */
final class IgnoredChanges implements PrefixWatch.Listener {

  @Override
  public void reset(Map<String, KeyValue> snapshot, long revision) {}

  @Override
  public void put(KeyValue kv) {}

  @Override
  public void delete(String key, long revision) {}
}

package io.sluice.sdk.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.rules.OneLineText;
import io.sluice.rules.wire.EtcdKeys;
import java.net.URI;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a last-known-good store's rules come from: the etcd namespace and the endpoints of the etcd
 * cluster they are read from. Recorded in every snapshot and checked as one is loaded, so that an
 * agent pointed at another namespace or another cluster never starts on rules that were not read
 * from its own.
 *
 * @param namespace the namespace, normalized as {@link EtcdKeys} does
 * @param etcdEndpoints the endpoints as {@link #endpointKey} spells them, kept sorted (so every
 *     snapshot and line lists them alike); none: any cluster
 */
record SnapshotOrigin(String namespace, Set<String> etcdEndpoints) {

  SnapshotOrigin {
    etcdEndpoints = Collections.unmodifiableSortedSet(new TreeSet<>(etcdEndpoints));
  }

  /** Records this origin in a snapshot's top-level object. */
  void writeTo(ObjectNode root) {
    root.put("namespace", namespace);
    if (!etcdEndpoints.isEmpty()) {
      ArrayNode endpoints = root.putArray("etcdEndpoints");
      etcdEndpoints.forEach(endpoints::add);
    }
  }

  /**
   * Why the snapshot {@code root} comes from another namespace or etcd cluster, or {@code null} if
   * it does not: a cluster that gained or lost members still shares some endpoints with it, another
   * cluster shares none.
   */
  String refusal(JsonNode root) {
    JsonNode savedNamespace = root.get("namespace");
    if (savedNamespace != null && !savedNamespace.isTextual()) {
      return "it has no valid namespace";
    }
    // a snapshot from before namespaces were recorded sits under the default namespace's file name
    String saved =
        savedNamespace == null
            ? EtcdKeys.DEFAULT_NAMESPACE
            : new EtcdKeys(savedNamespace.asText()).namespace();
    if (!saved.equals(namespace)) {
      return "it was saved for the etcd namespace '"
          + OneLineText.escape(saved)
          + "', not '"
          + OneLineText.escape(namespace)
          + "'";
    }
    JsonNode savedEndpoints = root.get("etcdEndpoints");
    if (savedEndpoints == null || etcdEndpoints.isEmpty()) {
      return null;
    }
    if (!savedEndpoints.isArray()) {
      return "it has no valid etcdEndpoints";
    }
    Set<String> from = new TreeSet<>();
    savedEndpoints.forEach(endpoint -> from.add(endpoint.asText()));
    if (!from.isEmpty() && Collections.disjoint(from, etcdEndpoints)) {
      return "it was saved from etcd "
          + from
          + ", which has no endpoint in common with "
          + etcdEndpoints;
    }
    return null;
  }

  /** {@code scheme://host:port} in lower case: the same endpoint however it was spelled. */
  static String endpointKey(URI endpoint) {
    if (endpoint.getHost() == null) {
      return endpoint.toString();
    }
    return (endpoint.getScheme() + "://" + endpoint.getHost() + ":" + endpoint.getPort())
        .toLowerCase(Locale.ROOT);
  }
}

package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SnapshotOriginTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final SnapshotOrigin origin =
      new SnapshotOrigin("/sluice", Set.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"));

  @Test
  void aSnapshotWrittenHereIsFromHere() {
    ObjectNode root = MAPPER.createObjectNode();

    origin.writeTo(root);

    assertThat(root.get("namespace").asText()).isEqualTo("/sluice");
    assertThat(root.get("etcdEndpoints")).hasSize(2);
    assertThat(origin.refusal(root)).isNull();
  }

  @Test
  void anotherNamespaceIsRefusedNamingBoth() {
    ObjectNode root = MAPPER.createObjectNode().put("namespace", "/staging");

    assertThat(origin.refusal(root))
        .isEqualTo("it was saved for the etcd namespace '/staging', not '/sluice'");
    assertThat(origin.refusal(MAPPER.createObjectNode().put("namespace", 7)))
        .isEqualTo("it has no valid namespace");
  }

  @Test
  void aSnapshotFromBeforeNamespacesWereRecordedIsTheDefaultNamespaces() {
    assertThat(origin.refusal(MAPPER.createObjectNode())).isNull();
    assertThat(new SnapshotOrigin("/staging", Set.of()).refusal(MAPPER.createObjectNode()))
        .isEqualTo("it was saved for the etcd namespace '/sluice', not '/staging'");
  }

  @Test
  void aClusterSharingNoEndpointIsAnotherOneAndOneSharingSomeIsTheSame() {
    ObjectNode other = MAPPER.createObjectNode().put("namespace", "/sluice");
    other.putArray("etcdEndpoints").add("http://10.9.9.9:2379");
    ObjectNode grown = MAPPER.createObjectNode().put("namespace", "/sluice");
    grown.putArray("etcdEndpoints").add("http://10.0.0.2:2379").add("http://10.0.0.3:2379");
    ObjectNode broken = MAPPER.createObjectNode().put("namespace", "/sluice");
    broken.put("etcdEndpoints", "http://10.0.0.1:2379");

    assertThat(origin.refusal(other))
        .isEqualTo(
            "it was saved from etcd [http://10.9.9.9:2379], which has no endpoint in common with"
                + " [http://10.0.0.1:2379, http://10.0.0.2:2379]");
    assertThat(origin.refusal(grown)).isNull();
    assertThat(origin.refusal(broken)).isEqualTo("it has no valid etcdEndpoints");
    assertThat(new SnapshotOrigin("/sluice", Set.of()).refusal(other))
        .as("a store told no endpoints loads any cluster's")
        .isNull();
  }

  @Test
  void anEndpointIsKeyedBySchemeHostAndPortInLowerCase() {
    assertThat(SnapshotOrigin.endpointKey(URI.create("HTTP://Etcd.Internal:2379/")))
        .isEqualTo("http://etcd.internal:2379");
    assertThat(SnapshotOrigin.endpointKey(URI.create("unix:///run/etcd.sock")))
        .isEqualTo("unix:///run/etcd.sock");
  }
}

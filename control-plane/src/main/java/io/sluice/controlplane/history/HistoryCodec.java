package io.sluice.controlplane.history;

import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The stored form of history entries, and the keys they live under.
 *
 * <p>Besides the contract's {@code {ns}/v1/history/{service}/{revision}} keys there is one
 * <em>journal</em> key per service, {@code {ns}/v1/journal/{service}}, holding the entry of the
 * latest change. It is written in the same transaction as the document, so its mod revision is
 * exactly the change's revision; see {@code RuleStore} for why it exists.
 */
@Component
public final class HistoryCodec {

  private final JsonMapper json;

  HistoryCodec(JsonMapper json) {
    this.json = json;
  }

  /** The journal key of a service. */
  public static String journalKey(EtcdKeys keys, String service) {
    return keys.namespace() + "/v1/journal/" + service;
  }

  /** The stored JSON of an entry. */
  public String write(HistoryEntry entry) {
    return json.writeValueAsString(entry);
  }

  /** Reads a stored entry, taking its revision from where it was stored. */
  public HistoryEntry read(byte[] stored, long revision) {
    return json.readValue(stored, HistoryEntry.class).withRevision(revision);
  }

  /**
   * A stored entry with {@code revision} in it and everything else as stored, fields this version
   * does not know included (a newer control plane's): what its history key holds.
   *
   * @throws RuntimeException when {@code stored} is no JSON object
   */
  public byte[] withRevision(byte[] stored, long revision) {
    if (!(json.readTree(stored) instanceof ObjectNode entry)) {
      throw new IllegalArgumentException("a history entry is a JSON object");
    }
    entry.put("revision", revision);
    return json.writeValueAsBytes(entry);
  }

  /** A rule document's text as a JSON tree, for embedding in an entry. */
  public JsonNode tree(String document) {
    return json.readTree(document.getBytes(StandardCharsets.UTF_8));
  }
}

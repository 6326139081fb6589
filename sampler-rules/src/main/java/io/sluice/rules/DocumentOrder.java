package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns the JSON paths of validation errors back into positions in the document, so that errors can
 * be listed in the order a user reads the document rather than the order the checks ran.
 *
 * <p>One per document read: each object's members are indexed by name the first time a path goes
 * through it, so placing every problem of an object with many bad members costs one pass over them,
 * not one per problem (a draft of 33 000 unknown fields, which a reader may send to the dry run,
 * took two seconds of CPU to refuse).
 */
final class DocumentOrder {

  private final JsonNode root;
  private final Map<JsonNode, Map<String, Integer>> memberIndexes = new IdentityHashMap<>();

  DocumentOrder(JsonNode root) {
    this.root = root;
  }

  /**
   * Where a path points in the document, as the index of each step in its parent: member order as
   * written for objects, indexes for lists. A missing member is -1: its problem is placed where its
   * object starts ({@link TextLocations#place}), so it sorts after the problems of the object
   * itself and before those of its members, as their places in the text do.
   */
  int[] position(String jsonPath, String lastField) {
    List<Object> path = JsonPathSteps.of(jsonPath);
    if (lastField != null) {
      path.add(lastField);
    }
    int[] position = new int[path.size()];
    JsonNode node = root;
    for (int s = 0; s < position.length; s++) {
      Object step = path.get(s);
      if (step instanceof String member) {
        position[s] = memberIndex(node, member);
        node = node == null ? null : node.get(member);
      } else {
        int index = (Integer) step;
        position[s] = index;
        node = node == null ? null : node.get(index);
      }
    }
    return position;
  }

  private int memberIndex(JsonNode node, String member) {
    if (node == null || !node.isObject()) {
      return 0;
    }
    Integer index = memberIndexes.computeIfAbsent(node, DocumentOrder::indexMembers).get(member);
    return index == null ? -1 : index;
  }

  private static Map<String, Integer> indexMembers(JsonNode object) {
    Map<String, Integer> indexes = new HashMap<>();
    int index = 0;
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      indexes.putIfAbsent(names.next(), index++);
    }
    return indexes;
  }
}

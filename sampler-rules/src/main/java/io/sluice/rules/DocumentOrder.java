package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;

/**
 * Turns the JSON paths of validation errors back into positions in the document, so that errors can
 * be listed in the order a user reads the document rather than the order the checks ran.
 */
final class DocumentOrder {

  private DocumentOrder() {}

  /**
   * Where a path points in the document, as the index of each step in its parent: member order as
   * written for objects, indexes for lists. A missing member is -1: its problem is placed where its
   * object starts ({@link TextLocations#place}), so it sorts after the problems of the object
   * itself and before those of its members, as their places in the text do.
   */
  static int[] position(JsonNode root, String jsonPath, String lastField) {
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

  private static int memberIndex(JsonNode node, String member) {
    if (node == null || !node.isObject()) {
      return 0;
    }
    int index = 0;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      if (names.next().equals(member)) {
        return index;
      }
      index++;
    }
    return -1;
  }
}

package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
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
   * written for objects (a missing member sorts after the present ones), indexes for lists.
   */
  static int[] position(JsonNode root, String path, String lastField) {
    List<Integer> steps = new ArrayList<>();
    JsonNode node = root;
    int i = 1; // after "$"
    while (i <= path.length()) {
      String member = null;
      int index = -1;
      if (i == path.length()) {
        if (lastField == null) {
          break;
        }
        member = lastField;
        i++;
      } else if (path.charAt(i) == '.') {
        int end = i + 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
          end++;
        }
        member = path.substring(i + 1, end);
        i = end;
      } else if (path.startsWith("['", i)) {
        StringBuilder name = new StringBuilder();
        int j = i + 2;
        while (j < path.length() && path.charAt(j) != '\'') {
          if (path.charAt(j) == '\\' && j + 1 < path.length()) {
            j++;
          }
          name.append(path.charAt(j));
          j++;
        }
        member = name.toString();
        i = j + 2; // past "']"
      } else if (path.charAt(i) == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          break;
        }
        index = Integer.parseInt(path.substring(i + 1, end));
        i = end + 1;
      } else {
        break;
      }
      if (member != null) {
        steps.add(memberIndex(node, member));
        node = node == null ? null : node.get(member);
      } else {
        steps.add(index);
        node = node == null ? null : node.get(index);
      }
    }
    int[] position = new int[steps.size()];
    for (int s = 0; s < position.length; s++) {
      position[s] = steps.get(s);
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
    return index;
  }
}

package io.sluice.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * The steps of a validation error's JSON path ({@code $.breakers[0]['url.path']}): member names as
 * {@link String}s, list indexes as {@link Integer}s. Exists so the paths the reader writes can be
 * read back the one way, for ordering errors as the document reads and for JSON Pointers.
 */
final class JsonPathSteps {

  private JsonPathSteps() {}

  /** The steps of {@code path}, as far as it parses (it always starts with {@code $}). */
  static List<Object> of(String path) {
    List<Object> steps = new ArrayList<>();
    int i = 1; // after "$"
    while (i < path.length()) {
      if (path.charAt(i) == '.') {
        int end = i + 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
          end++;
        }
        steps.add(path.substring(i + 1, end));
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
        steps.add(name.toString());
        i = j + 2; // past "']"
      } else if (path.charAt(i) == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          break;
        }
        steps.add(Integer.parseInt(path.substring(i + 1, end)));
        i = end + 1;
      } else {
        break;
      }
    }
    return steps;
  }

  /**
   * {@code path} as an RFC 6901 JSON Pointer: {@code $.breakers[0].name} → {@code
   * /breakers/0/name}.
   */
  static String pointer(String path) {
    StringBuilder pointer = new StringBuilder();
    for (Object step : of(path)) {
      pointer.append('/').append(step.toString().replace("~", "~0").replace("/", "~1"));
    }
    return pointer.toString();
  }
}

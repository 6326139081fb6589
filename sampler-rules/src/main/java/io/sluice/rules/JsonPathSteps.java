package io.sluice.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The steps of a validation error's JSON path ({@code $.breakers[0]['url.path']}): member names as
 * {@link String}s, list indexes as {@link Integer}s. Exists so the paths the reader writes ({@link
 * #member}) can be read back the one way, for ordering errors as the document reads and for JSON
 * Pointers.
 *
 * <p>A member that is not a plain name is written {@code ['key']}: a backslash and a quote escaped
 * with a backslash, and every character {@link OneLineText} forbids as its JSON escape ({@link
 * OneLineText#escape}: {@code \\n}, {@code \\u202e}), so a path in a log or a problem shows a
 * bidirectional override as the escape instead of reordering the text. The web UI's {@code
 * json-text.js} ({@code memberPath}) writes members the same way, to find a problem's value by its
 * path.
 */
final class JsonPathSteps {

  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private JsonPathSteps() {}

  /** {@code key} as one step of a path: {@code .key} for a plain name, else {@code ['key']}. */
  static String member(String key) {
    if (PLAIN_NAME.matcher(key).matches()) {
      return "." + key;
    }
    return "['" + OneLineText.escape(key.replace("\\", "\\\\").replace("'", "\\'")) + "']";
  }

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
          if (path.charAt(j) == '\\' && isUnicodeEscape(path, j + 1)) {
            name.append((char) Integer.parseInt(path.substring(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          if (path.charAt(j) == '\\' && j + 1 < path.length()) {
            j++;
            name.append(shortEscape(path.charAt(j)));
          } else {
            name.append(path.charAt(j));
          }
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

  /** The character JSON's short escape {@code \\c} stands for; {@code c} itself for any other. */
  private static char shortEscape(char c) {
    return switch (c) {
      case 'b' -> '\b';
      case 't' -> '\t';
      case 'n' -> '\n';
      case 'f' -> '\f';
      case 'r' -> '\r';
      default -> c;
    };
  }

  /** Whether {@code path} holds {@code u} and four hex digits at {@code at}. */
  private static boolean isUnicodeEscape(String path, int at) {
    if (at + 5 > path.length() || path.charAt(at) != 'u') {
      return false;
    }
    for (int k = at + 1; k < at + 5; k++) {
      if (Character.digit(path.charAt(k), 16) < 0) {
        return false;
      }
    }
    return true;
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

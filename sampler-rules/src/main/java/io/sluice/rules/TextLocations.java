package io.sluice.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Where each value and member name of a document's text is, by the JSON path the reader reports
 * problems at, so a problem found in the tree can say its line and column as a syntax error does.
 *
 * <p>The tree the reader checks has no positions, so the text is read a second time, as tokens, and
 * only when there is a problem to place: a valid document, what agents read on every change, costs
 * nothing more. That pass reads the text decoded (in the encoding the parse detected: UTF-8, or
 * UTF-16 or UTF-32), so a column counts UTF-16 code units as editors and the web UI do, and a line
 * ends at {@code \n}, {@code \r\n} or {@code \r}.
 */
final class TextLocations {

  private final JsonFactory factory;
  private final byte[] json;

  /** Where each value starts, by its path; {@code null} until a problem asks. */
  private NavigableMap<String, int[]> values;

  /** Where each member's name starts, by the member's path. */
  private NavigableMap<String, int[]> names;

  TextLocations(JsonFactory factory, byte[] json) {
    this.factory = factory;
    this.json = json;
  }

  /**
   * {@code error} placed where it points in the text: at the member name {@code field} of the
   * object at its path when given (an unknown field is reported at its object), else at its value,
   * else (a missing field) at the nearest enclosing value there is. Unplaced when the text does not
   * hold the place at all.
   */
  ValidationError place(ValidationError error, String field) {
    if (values == null) {
      index();
    }
    int[] at = field == null ? null : names.get(error.path() + JsonPathSteps.member(field));
    List<String> paths = enclosing(error.path());
    for (int i = paths.size() - 1; at == null && i >= 0; i--) {
      at = values.get(paths.get(i));
    }
    return at == null ? error : error.at(at[0], at[1]);
  }

  /**
   * {@code error}, about the name of the member at its path rather than its value (an attribute
   * key, a header name), placed where that name starts; as {@link #place} places it when the text
   * does not hold the name.
   */
  ValidationError placeAtName(ValidationError error) {
    if (values == null) {
      index();
    }
    int[] at = names.get(error.path());
    return at == null ? place(error, null) : error.at(at[0], at[1]);
  }

  /** {@code path} and every path enclosing it, from {@code $}, as the reader writes them. */
  private static List<String> enclosing(String path) {
    List<String> paths = new ArrayList<>();
    StringBuilder prefix = new StringBuilder("$");
    paths.add(prefix.toString());
    for (Object step : JsonPathSteps.of(path)) {
      prefix.append(
          step instanceof Integer index ? "[" + index + "]" : JsonPathSteps.member((String) step));
      paths.add(prefix.toString());
    }
    return paths;
  }

  /**
   * Forgets where the values and names inside the value at {@code path} are: that value was given
   * again, and a problem of the one the reader reads (the last) must not be placed in the first,
   * such as a missing field the first had. Sorted maps, so that a document giving many large values
   * twice costs a range each, not a pass over every place.
   */
  private void forgetWithin(String path) {
    for (String step : new String[] {".", "["}) {
      values.subMap(path + step, path + step + Character.MAX_VALUE).clear();
      names.subMap(path + step, path + step + Character.MAX_VALUE).clear();
    }
  }

  private void index() {
    values = new TreeMap<>();
    names = new TreeMap<>();
    Deque<Container> open = new ArrayDeque<>();
    String text = new String(json, encodingOf(json));
    if (text.startsWith("\uFEFF")) {
      // A byte order mark, which the tree's parse of the bytes skipped and a parse of characters
      // refuses: whitespace of the same length keeps every position where a syntax error's is.
      text = " " + text.substring(1);
    } else if (startsWithWideMark(json)) {
      // UTF-32's decoder drops the mark: put its column back, as UTF-8 and UTF-16 count it
      text = " " + text;
    }
    try (JsonParser parser = factory.createParser(text)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          open.pop();
          continue;
        }
        Container parent = open.peek();
        if (token == JsonToken.FIELD_NAME) {
          String member = parent.path + JsonPathSteps.member(parser.currentName());
          if (names.put(member, where(parser)) != null) {
            forgetWithin(member); // given twice: the reader reads the last value only
          }
          continue;
        }
        String path;
        if (parent == null) {
          path = "$";
        } else if (parent.isList) {
          path = parent.path + "[" + parent.items++ + "]";
        } else {
          // of a value that opens an object or list too, the name is its member's
          path = parent.path + JsonPathSteps.member(parser.currentName());
        }
        values.put(path, where(parser));
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          open.push(new Container(path, token == JsonToken.START_ARRAY));
        }
      }
    } catch (IOException | RuntimeException e) {
      // The tree was read from this text already, so this is not expected: what was indexed stays,
      // and a problem beyond it is reported without a place rather than not at all.
    }
  }

  /**
   * The encoding the tree's parse read {@code json} in: JSON's own detection (RFC 4627), which
   * Jackson makes on bytes, from a byte order mark or else from where the first four bytes are zero
   * (the first two characters of a JSON text are ASCII). UTF-8 unless the bytes say otherwise.
   */
  static Charset encodingOf(byte[] json) {
    int[] b = new int[4];
    for (int i = 0; i < 4; i++) {
      b[i] = i < json.length ? json[i] & 0xff : -1;
    }
    if (b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff) {
      return Charset.forName("UTF-32BE");
    }
    if (b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 0) {
      return Charset.forName("UTF-32LE");
    }
    if (b[0] == 0xfe && b[1] == 0xff) {
      return StandardCharsets.UTF_16BE;
    }
    if (b[0] == 0xff && b[1] == 0xfe) {
      return StandardCharsets.UTF_16LE;
    }
    if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] > 0) {
      return Charset.forName("UTF-32BE");
    }
    if (b[0] > 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) {
      return Charset.forName("UTF-32LE");
    }
    if (b[0] == 0 && b[1] > 0) {
      return StandardCharsets.UTF_16BE;
    }
    if (b[0] > 0 && b[1] == 0) {
      return StandardCharsets.UTF_16LE;
    }
    return StandardCharsets.UTF_8;
  }

  /**
   * Whether {@code json} starts with the byte order mark of UTF-16 or UTF-32: a parse of such a
   * text counts its columns after the mark, where one of UTF-8's bytes counts the mark as one.
   */
  static boolean startsWithWideMark(byte[] json) {
    return encodingOf(json) != StandardCharsets.UTF_8
        && json.length >= 2
        && ((json[0] & 0xff) == 0xfe && (json[1] & 0xff) == 0xff
            || (json[0] & 0xff) == 0xff && (json[1] & 0xff) == 0xfe
            || json.length >= 4
                && json[0] == 0
                && json[1] == 0
                && (json[2] & 0xff) == 0xfe
                && (json[3] & 0xff) == 0xff);
  }

  /** An object or list being read: its path, and for a list how many items came so far. */
  private static final class Container {
    final String path;
    final boolean isList;
    int items;

    Container(String path, boolean isList) {
      this.path = path;
      this.isList = isList;
    }
  }

  private static int[] where(JsonParser parser) {
    JsonLocation location = parser.currentTokenLocation();
    return new int[] {location.getLineNr(), location.getColumnNr()};
  }
}

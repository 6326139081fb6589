package io.sluice.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds every field given twice in an object of a document's text. The tree's parse stops at the
 * first (it refuses duplicates, which would otherwise keep the last value silently); this second
 * pass, made only then, lets the answer list them all, as every other problem is listed.
 */
final class DuplicateFields {

  /** A field given again, where its name starts. */
  record Duplicate(String name, JsonLocation at) {}

  /**
   * What a scan found: the duplicates in text order, and the syntax error that ended the scan
   * before the document's end, or {@code null}.
   */
  record Scan(List<Duplicate> duplicates, JsonProcessingException syntax) {}

  private DuplicateFields() {}

  /**
   * Scans {@code json} with {@code lenient}, a factory that leaves fields given twice to this scan.
   * Never throws.
   */
  static Scan scan(byte[] json, JsonFactory lenient) {
    List<Duplicate> found = new ArrayList<>();
    Deque<Set<String>> open = new ArrayDeque<>();
    try (JsonParser parser = lenient.createParser(json)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.START_OBJECT) {
          open.push(new HashSet<>());
        } else if (token == JsonToken.START_ARRAY) {
          open.push(Collections.emptySet());
        } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          open.pop();
        } else if (token == JsonToken.FIELD_NAME && !open.peek().add(parser.currentName())) {
          found.add(new Duplicate(parser.currentName(), parser.currentTokenLocation()));
        }
        if (open.isEmpty()) {
          break; // the document's end: what follows is the tree's parse's to report
        }
      }
    } catch (JsonProcessingException e) {
      return new Scan(found, e);
    } catch (IOException | RuntimeException e) {
      // the text was read once already; what was found stays
    }
    return new Scan(found, null);
  }
}

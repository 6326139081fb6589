package io.sluice.sdk.source;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.rules.RuleCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The text of a last-known-good snapshot file: what the store records about a document, with the
 * document itself in the {@code document} field exactly as it was applied.
 *
 * <p>Why the document is kept as text and not as the rules' canonical form: the canonical form
 * spells out every default, so a document near {@link RuleCodec#MAX_DOCUMENT_BYTES} that etcd held
 * (hundreds of terse breakers, say) grows many times over, and a load, which validates the stored
 * document again under the same limits, would refuse the very rules that were applied. Spliced in
 * verbatim, the stored bytes are the applied bytes, so they load whenever they were applied.
 */
final class SnapshotText {

  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final String DOCUMENT = "document";

  private SnapshotText() {}

  /**
   * {@code header}'s fields, pretty-printed, then {@code document}'s JSON text as the {@code
   * document} field. The text goes in byte for byte when it is UTF-8 (leading byte order mark and
   * surrounding white space aside); a document in another encoding Jackson reads (UTF-16, UTF-32)
   * goes in as its JSON tree written out compactly in UTF-8.
   *
   * @throws IOException when the document is not JSON, or its text is larger than a load accepts
   */
  static byte[] write(ObjectNode header, byte[] document) throws IOException {
    String exact = utf8Object(document);
    if (exact != null) {
      byte[] snapshot = assemble(header, exact);
      if (Arrays.equals(documentText(snapshot), exact.getBytes(StandardCharsets.UTF_8))) {
        return checkedSize(snapshot, exact);
      }
    }
    String written = MAPPER.readTree(document).toString();
    return checkedSize(assemble(header, written), written);
  }

  /**
   * The bytes of the {@code document} field's value in {@code snapshot} (the last one, as a tree
   * read of the file takes it), or {@code null} when there is no such object.
   */
  static byte[] documentText(byte[] snapshot) {
    byte[] found = null;
    try (JsonParser parser = MAPPER.createParser(snapshot)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (DOCUMENT.equals(name) && value == JsonToken.START_OBJECT) {
          long start = parser.currentTokenLocation().getByteOffset();
          parser.skipChildren();
          long end = parser.currentLocation().getByteOffset();
          found = start < 0 || end > snapshot.length ? null : slice(snapshot, start, end);
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return found;
  }

  private static byte[] slice(byte[] bytes, long start, long end) {
    return Arrays.copyOfRange(bytes, (int) start, (int) end);
  }

  private static byte[] assemble(ObjectNode header, String document) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(document.length() + 512);
    try (JsonGenerator generator = MAPPER.createGenerator(out).useDefaultPrettyPrinter()) {
      generator.writeStartObject();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        generator.writeFieldName(field.getKey());
        generator.writeTree(field.getValue());
      }
      generator.writeFieldName(DOCUMENT);
      generator.writeRawValue(document);
      generator.writeEndObject();
    }
    return out.toByteArray();
  }

  private static byte[] checkedSize(byte[] snapshot, String document) throws IOException {
    int size = document.getBytes(StandardCharsets.UTF_8).length;
    if (size > RuleCodec.MAX_DOCUMENT_BYTES) {
      throw new IOException(
          "the document is "
              + size
              + " bytes, more than a snapshot can load back ("
              + RuleCodec.MAX_DOCUMENT_BYTES
              + ")");
    }
    return snapshot;
  }

  /**
   * {@code document} as text when it is strictly UTF-8 and, without a leading byte order mark and
   * surrounding JSON white space, a JSON object's braces; else {@code null}.
   */
  private static String utf8Object(byte[] document) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(document))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    int start = text.startsWith("\uFEFF") ? 1 : 0;
    int end = text.length();
    while (start < end && isJsonWhiteSpace(text.charAt(start))) {
      start++;
    }
    while (end > start && isJsonWhiteSpace(text.charAt(end - 1))) {
      end--;
    }
    if (end - start < 2 || text.charAt(start) != '{' || text.charAt(end - 1) != '}') {
      return null;
    }
    return text.substring(start, end);
  }

  private static boolean isJsonWhiteSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
}

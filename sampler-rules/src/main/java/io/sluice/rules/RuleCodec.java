package io.sluice.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes rule documents as JSON.
 *
 * <p>{@link #parse} never throws: whatever the input (garbage, half a document, a document with
 * twenty mistakes) it answers with a {@link ParseResult} holding either the valid document or every
 * problem found, each with its JSON path and a plain message, and the line and column of what it is
 * about ({@link ValidationError#line}; malformed JSON says them in its message too). {@link #write}
 * produces the canonical form with every default spelled out; parsing it gives back an equal
 * document. {@link #writeCompact} is the same form without indentation, for storage: spelled-out
 * defaults already make a canonical document several times larger than a terse one, and indentation
 * would add as much again.
 */
public final class RuleCodec {

  /** Documents larger than this are refused before parsing. */
  public static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /**
   * The longest field name, in UTF-16 code units: an attribute key or header name longer than this
   * is refused (the schema says so with {@code propertyNames}' {@code maxLength}).
   */
  public static final int MAX_NAME_LENGTH = 50_000;

  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(64)
          .maxStringLength(MAX_DOCUMENT_BYTES)
          // Jackson's default, said here: the control plane reads documents with its own JSON
          // mapper too (history, the dry run), which keeps that default
          .maxNameLength(MAX_NAME_LENGTH)
          .build();

  /**
   * Reads text that keeps a field's last value when it is given twice: only to read a document
   * whose fields given twice are refused already, so its other problems are listed beside them.
   */
  private static final JsonFactory LENIENT =
      JsonFactory.builder().streamReadConstraints(LIMITS).build();

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              LENIENT.rebuild().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private RuleCodec() {}

  /**
   * Parses and validates a document as stored (the agents' and the SDK's reading). Never throws.
   */
  public static ParseResult parse(String json) {
    if (json == null) {
      return ParseResult.invalid(List.of(new ValidationError("$", "the document is empty")));
    }
    // Half a surrogate pair has no UTF-8 form: getBytes would write '?' in its place, and the
    // document read would be another than the one given (a name "a?b" for "a\ud800b").
    int lone = DocumentReader.loneSurrogate(json);
    if (lone >= 0) {
      return ParseResult.invalid(List.of(notUnicode(json, lone)));
    }
    return parse(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The problem of the lone surrogate at {@code index} of {@code json}, at its line and column. */
  private static ValidationError notUnicode(String json, int index) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < index; i++) {
      char c = json.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 >= json.length() || json.charAt(i + 1) != '\n'))) {
        line++;
        lineStart = i + 1;
      }
    }
    int column = index - lineStart + 1;
    return new ValidationError(
        "$",
        String.format(
            Locale.ROOT,
            "malformed JSON at line %d, column %d: the document is not valid Unicode: \\u%04x is"
                + " half of a surrogate pair, without its other half",
            line,
            column,
            (int) json.charAt(index)),
        line,
        column);
  }

  /** Parses and validates a UTF-8 document as stored. Never throws. */
  public static ParseResult parse(byte[] json) {
    Root root = readRoot(json);
    return root.failure() != null ? root.failure() : read(root, false, null);
  }

  /**
   * Parses and validates a UTF-8 document stored for {@code service}: a document without {@code
   * service} gets this one, and one that names another service is refused at {@code $.service},
   * listed with every other problem.
   *
   * <p>This is the parse of a document being written (a save, a rollback, a dry run of a draft): it
   * also makes the checks added after documents may have been stored without them, such as rule
   * names, globs and attribute keys without control characters, line separators or bidirectional
   * controls ({@link OneLineText}). {@link #parse} leaves those out, so that rules already stored
   * keep working after an upgrade. Never throws.
   */
  public static ParseResult parseFor(String service, byte[] json) {
    Root root = readRoot(json);
    if (root.failure() != null) {
      return root.failure();
    }
    JsonNode node = root.node();
    if (node.isObject() && !node.has("service")) {
      // first, where its problem (a name that can have no document) is placed in the text: where
      // the document starts, before every other problem, as problems are listed in text order
      ObjectNode withService = ((ObjectNode) node).objectNode();
      withService.put("service", service);
      withService.setAll((ObjectNode) node);
      root = new Root(withService, root.text(), root.givenTwice(), null);
    }
    return read(root, true, service);
  }

  /**
   * What keeps {@code json} from being read as JSON at all, in the words and with the place that
   * {@link #parse} gives a malformed document ({@code malformed JSON at line 1, column 25: the
   * document ends too early (an object, list or string is not closed)}); {@code null} when it reads
   * as JSON within this codec's limits, whatever its shape. For JSON around a document, such as the
   * control plane's dry run request, whose reader's own messages may quote the input. Never throws.
   */
  public static String syntaxProblem(byte[] json) {
    Root root = readRoot(json);
    ParseResult failure = root.failure() != null ? root.failure() : root.givenTwice();
    return failure == null ? null : failure.errors().get(0).message();
  }

  /**
   * The document's JSON tree and where its values are in the text, with the problems of the fields
   * it gives twice if any ({@code givenTwice}, the tree holding each such field's last value); or
   * (when there is no tree) the result saying why.
   */
  private record Root(
      JsonNode node, TextLocations text, ParseResult givenTwice, ParseResult failure) {
    static Root failed(ParseResult failure) {
      return new Root(null, null, null, failure);
    }
  }

  private static Root readRoot(byte[] json) {
    if (json == null || json.length == 0) {
      return Root.failed(
          ParseResult.invalid(List.of(new ValidationError("$", "the document is empty"))));
    }
    if (json.length > MAX_DOCUMENT_BYTES) {
      return Root.failed(
          ParseResult.invalid(
              List.of(
                  new ValidationError(
                      "$", "the document is larger than " + MAX_DOCUMENT_BYTES + " bytes"))));
    }
    JsonNode root;
    try (JsonParser parser = new TinyNumbersKept(MAPPER.createParser(json))) {
      root = MAPPER.readTree(parser);
      if (root == null || root.isMissingNode()) {
        return Root.failed(
            ParseResult.invalid(List.of(new ValidationError("$", "the document is empty"))));
      }
      ParseResult after = after(json, parser);
      if (after != null) {
        return Root.failed(after);
      }
    } catch (JsonProcessingException e) {
      Root givenTwice = isDuplicate(e) ? readGivenTwice(json) : null;
      return givenTwice != null
          ? givenTwice
          : Root.failed(malformed(json, e.getLocation(), describe(e)));
    } catch (IOException | RuntimeException e) {
      return Root.failed(
          ParseResult.invalid(
              List.of(new ValidationError("$", "the document could not be read as JSON"))));
    }
    return new Root(root, new TextLocations(LENIENT, json), null, null);
  }

  private static boolean isDuplicate(JsonProcessingException e) {
    return e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field");
  }

  /**
   * A document that gives fields twice, which the tree's parse refused at the first. With no syntax
   * error in it, its tree read again keeping each such field's last value, beside every field given
   * twice: the reader then lists the document's other problems with them, so one refusal says all
   * there is to fix. With a syntax error (there is no tree), every field given twice before it,
   * then the error. {@code null} when the scan finds none (the caller reports the parse's own
   * error).
   */
  private static Root readGivenTwice(byte[] json) {
    DuplicateFields.Scan scan = DuplicateFields.scan(json, LENIENT);
    if (scan.duplicates().isEmpty()) {
      return null;
    }
    ParseResult givenTwice = duplicates(json, scan);
    if (scan.syntax() != null) {
      return Root.failed(givenTwice);
    }
    try (JsonParser parser = new TinyNumbersKept(LENIENT.createParser(json))) {
      JsonNode root = MAPPER.readTree(parser);
      if (root != null && !root.isMissingNode()) {
        ParseResult after = after(json, parser);
        return after != null
            ? Root.failed(ListedProblems.merged(givenTwice, after))
            : new Root(root, new TextLocations(LENIENT, json), givenTwice, null);
      }
    } catch (IOException | RuntimeException e) {
      // read once already up to its first field given twice, and scanned to its end: not expected
    }
    return Root.failed(givenTwice);
  }

  /**
   * What is wrong with the text after the document {@code parser} has read, in the words of the
   * tree's parse: content after it, or a syntax error there; {@code null} when the text ends.
   */
  private static ParseResult after(byte[] json, JsonParser parser) throws IOException {
    try {
      return parser.nextToken() == null
          ? null
          : malformed(json, parser.currentLocation(), "unexpected content after the document");
    } catch (JsonProcessingException e) {
      return malformed(json, e.getLocation(), describe(e));
    }
  }

  /**
   * Every field given twice that {@code scan} found, each where its name starts, then the syntax
   * error that follows them if any.
   */
  private static ParseResult duplicates(byte[] json, DuplicateFields.Scan scan) {
    List<DuplicateFields.Duplicate> found = scan.duplicates();
    int listed = ListedProblems.listed(found.size());
    // in text order: the columns are counted in one pass over the text
    Utf16Columns columns = new Utf16Columns(json);
    List<ValidationError> errors = new java.util.ArrayList<>(listed + 2);
    for (DuplicateFields.Duplicate d : found.subList(0, listed)) {
      errors.add(
          malformed(json, d.at(), "duplicate field " + DocumentReader.quote(d.name()), columns));
    }
    int omitted = found.size() - listed;
    if (scan.syntax() != null && omitted > 0) {
      omitted++; // after the duplicates left out: listed, it would break the document order
    } else if (scan.syntax() != null) {
      errors.addAll(malformed(json, scan.syntax().getLocation(), describe(scan.syntax())).errors());
    }
    return ListedProblems.invalid(errors, omitted);
  }

  private static ParseResult read(Root root, boolean asWritten, String storedFor) {
    try {
      ParseResult result = DocumentReader.read(root.node(), asWritten, root.text(), storedFor);
      return root.givenTwice() == null ? result : ListedProblems.merged(root.givenTwice(), result);
    } catch (RuntimeException e) {
      // A bug in the reader must never escape as an exception to a caller that expects a result.
      return ParseResult.invalid(
          List.of(new ValidationError("$", "the document could not be validated: internal error")));
    }
  }

  /** Writes the canonical JSON form of a document, with every default spelled out, indented. */
  public static String write(RuleDocument document) {
    return write(document, true);
  }

  /**
   * Writes the canonical JSON form of a document on one line: {@link #write} without indentation.
   */
  public static String writeCompact(RuleDocument document) {
    return write(document, false);
  }

  private static String write(RuleDocument document, boolean indent) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("schemaVersion", document.schemaVersion());
    root.put("service", document.service());
    ObjectNode sampling = root.putObject("sampling");
    sampling.put("defaultRatio", document.sampling().defaultRatio());
    sampling.put("respectParentDecision", document.sampling().respectParentDecision());
    ArrayNode rules = sampling.putArray("rules");
    for (SamplingRule rule : document.sampling().rules()) {
      ObjectNode r = rules.addObject();
      r.put("name", rule.name());
      writeSpanMatch(r, rule.match());
      r.put("ratio", rule.ratio());
      if (rule.maxPerSecond() != null) {
        r.put("maxPerSecond", rule.maxPerSecond());
      }
    }
    ArrayNode breakers = root.putArray("breakers");
    for (BreakerPolicy policy : document.breakers()) {
      writeBreaker(breakers.addObject(), policy);
    }
    try {
      return indent
          ? MAPPER.writeValueAsString(root)
          : MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeSpanMatch(ObjectNode rule, SpanMatch match) {
    ObjectNode m = rule.putObject("match");
    if (match.spanName() != null) {
      m.put("spanName", match.spanName());
    }
    if (match.spanKind() != null) {
      m.put("spanKind", enumName(match.spanKind()));
    }
    if (!match.attributes().isEmpty()) {
      ObjectNode attributes = m.putObject("attributes");
      match.attributes().forEach(attributes::put);
    }
  }

  private static void writeBreaker(ObjectNode b, BreakerPolicy policy) {
    b.put("name", policy.name());
    ObjectNode m = b.putObject("match");
    CallMatch match = policy.match();
    if (match.host() != null) {
      m.put("host", match.host());
    }
    if (match.port() != null) {
      m.put("port", match.port());
    }
    if (match.method() != null) {
      m.put("method", match.method());
    }
    if (match.path() != null) {
      m.put("path", match.path());
    }
    b.put("scope", enumName(policy.scope()));
    b.put("failureRateThreshold", policy.failureRateThreshold());
    b.put("slowCallRateThreshold", policy.slowCallRateThreshold());
    b.put("slowCallDuration", Durations.format(policy.slowCallDuration()));
    ObjectNode window = b.putObject("slidingWindow");
    window.put("type", enumName(policy.slidingWindow().type()));
    window.put("size", policy.slidingWindow().size());
    b.put("minimumCalls", policy.minimumCalls());
    b.put("waitInOpenState", Durations.format(policy.waitInOpenState()));
    b.put("halfOpenCalls", policy.halfOpenCalls());
    ArrayNode codes = b.putArray("failureStatusCodes");
    policy.failureStatusCodes().forEach(c -> codes.add(c.toString()));
    ObjectNode onOpen = b.putObject("onOpen");
    onOpen.put("mode", enumName(policy.onOpen().mode()));
    if (policy.onOpen().mode() == OnOpenMode.RESPONSE) {
      onOpen.put("status", policy.onOpen().status());
      ObjectNode headers = onOpen.putObject("headers");
      for (Map.Entry<String, String> h : policy.onOpen().headers().entrySet()) {
        headers.put(h.getKey(), h.getValue());
      }
      onOpen.put("body", policy.onOpen().body());
    }
    b.put("shadow", policy.shadow());
  }

  /**
   * The spelling of an enum constant in documents: span kinds and window types in upper case as
   * OpenTelemetry and Resilience4j write them, modes and scopes in lower case.
   */
  static String enumName(Enum<?> value) {
    if (value instanceof SpanKind || value instanceof SlidingWindowType) {
      return value.name();
    }
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** The spellings of every constant of an enum of the rule language, in declaration order. */
  static <E extends Enum<E>> List<String> enumNames(Class<E> type) {
    E[] constants = type.getEnumConstants();
    String[] names = new String[constants.length];
    for (int i = 0; i < constants.length; i++) {
      names[i] = enumName(constants[i]);
    }
    return List.of(names);
  }

  private static ParseResult malformed(byte[] json, JsonLocation location, String what) {
    if (location == null || location.getLineNr() < 1) {
      return ParseResult.invalid(List.of(new ValidationError("$", "malformed JSON: " + what)));
    }
    long offset = location.getByteOffset();
    int column = location.getColumnNr();
    if (offset >= 0 && offset <= json.length) {
      // The parser reads bytes and counts a column in bytes; count it in UTF-16 code units, as the
      // problems found in the tree and editors do (the same as bytes on an ASCII line).
      int lineStart = (int) offset;
      while (lineStart > 0 && json[lineStart - 1] != '\n' && json[lineStart - 1] != '\r') {
        lineStart--;
      }
      column =
          new String(json, lineStart, (int) offset - lineStart, StandardCharsets.UTF_8).length()
              + 1;
    } else if (location.getLineNr() == 1 && TextLocations.startsWithWideMark(json)) {
      // a parse of UTF-16 or UTF-32 counts characters after the byte order mark it skipped; the
      // first line's other problems count the mark, as UTF-8's do
      column++;
    }
    return ParseResult.invalid(List.of(malformedAt(location.getLineNr(), column, what)));
  }

  /**
   * As {@link #malformed(byte[], JsonLocation, String)}, with a column from {@code columns}: for
   * many problems in text order, a text the parser has read as valid UTF-8 up to them.
   */
  private static ValidationError malformed(
      byte[] json, JsonLocation location, String what, Utf16Columns columns) {
    long offset = location.getByteOffset();
    if (location.getLineNr() < 1 || offset < 0 || offset > json.length) {
      return malformed(json, location, what).errors().get(0);
    }
    return malformedAt(location.getLineNr(), columns.at((int) offset), what);
  }

  private static ValidationError malformedAt(int line, int column, String what) {
    String message = "malformed JSON at line " + line + ", column " + column + ": " + what;
    return column < 1
        ? new ValidationError("$", message)
        : new ValidationError("$", message, line, column);
  }

  /** A plain description of what is wrong, never Jackson's own message text. */
  private static String describe(JsonProcessingException e) {
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof JsonEOFException || original.startsWith("Unexpected end-of-input")) {
      return "the document ends too early (an object, list or string is not closed)";
    }
    if (original.startsWith("Duplicate field")) {
      String name = between(original, "'", "'");
      return name == null ? "duplicate field" : "duplicate field " + DocumentReader.quote(name);
    }
    if (original.contains("nesting depth")) {
      return "the document is nested too deeply";
    }
    if (original.startsWith("Name length")) {
      return "a field name is longer than " + MAX_NAME_LENGTH + " characters";
    }
    if (original.startsWith("Invalid UTF-8") || original.startsWith("Invalid UTF8")) {
      return "the document is not valid UTF-8";
    }
    if (original.contains("surrogate") && original.contains("field name")) {
      // a \\u escape in a name that is half a character (a string value's is read, and reported
      // at its path)
      return "a field name is not valid Unicode: a \\u escape in it is half of a surrogate pair,"
          + " without its other half";
    }
    if (original.startsWith("Illegal unquoted character")) {
      return "a control character in a string must be escaped (\\n, \\t, \\u0001)";
    }
    if (original.startsWith("Number value length") || original.startsWith("Invalid numeric")) {
      return "a number is malformed or too long";
    }
    if (original.startsWith("Unexpected close marker")) {
      String marker = between(original, "'", "'");
      return "unexpected "
          + (marker == null ? "closing bracket" : "'" + marker + "'")
          + ": brackets do not match";
    }
    if (original.startsWith("Unexpected character")) {
      String character = between(original, "('", "' (code");
      String what =
          character == null
              ? "unexpected character"
              : "unexpected character " + DocumentReader.quote(character);
      if (original.contains("double-quote to start field name")) {
        return what + ": field names need double quotes";
      }
      if (original.contains("colon to separate field name and value")) {
        return what + ": expected ':' after a field name";
      }
      if (original.contains("comma to separate Array entries")) {
        return what + ": expected ',' or ']' in a list";
      }
      if (original.contains("comma to separate Object entries")) {
        return what + ": expected ',' or '}' in an object";
      }
      return what;
    }
    if (original.startsWith("Unrecognized token")) {
      return "unrecognized word (strings need double quotes; literals are true, false, null)";
    }
    return "not valid JSON";
  }

  /** The text between the first {@code open} and the next {@code close}, or {@code null}. */
  private static String between(String text, String open, String close) {
    int start = text.indexOf(open);
    if (start < 0) {
      return null;
    }
    int end = text.indexOf(close, start + open.length());
    return end < 0 ? null : text.substring(start + open.length(), end);
  }
}

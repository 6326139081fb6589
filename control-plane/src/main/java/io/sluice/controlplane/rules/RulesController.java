package io.sluice.controlplane.rules;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.NoBody;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.history.HistoryEntry;
import io.sluice.controlplane.history.HistoryStore;
import io.sluice.controlplane.security.Caller;
import io.sluice.controlplane.security.RequiresRole;
import io.sluice.controlplane.security.Role;
import io.sluice.controlplane.security.ServiceNames;
import io.sluice.rules.OneLineText;
import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.ValidationError;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * A service's rule document: read with its ETag, create or replace (validated by the same code the
 * agents run), delete, roll back.
 *
 * <p>A document without {@code service} gets the one from the URL; a document naming another
 * service than the URL is invalid ({@code $.service}), so a document can never land under a key it
 * does not name.
 */
@RestController
@RequestMapping("/api/v1/services/{service}/rules")
class RulesController {

  private static final int MAX_COMMENT_LENGTH = 1_000;
  private static final String COMMENT_ENCODING = "X-Sluice-Comment-Encoding";

  private final RuleStore store;
  private final HistoryStore history;
  private final JsonMapper json;
  private final MeterRegistry meters;

  RulesController(RuleStore store, HistoryStore history, JsonMapper json, MeterRegistry meters) {
    this.store = store;
    this.history = history;
    this.json = json;
    this.meters = meters;
  }

  /**
   * The service's own document. A service whose name can have none (agents may report any name; one
   * outside the rule language's runs {@code _default}) answers 404 with {@code
   * "canHaveOwnDocument": false} and a detail saying so, rather than 400: the service exists, its
   * agents just run {@code _default}. {@code produces}: the answer's type is set, which would
   * otherwise skip content negotiation and answer JSON to an {@code Accept} that admits none. It
   * admits {@code application/problem+json} too, as every other read does (a client that accepts
   * only problem details still gets the JSON, labeled {@code application/json}). Preconditions as
   * RFC 9110 has a read evaluate them ({@link ReadPreconditions}); an {@code If-None-Match} naming
   * the current ETag is Spring's (304).
   */
  @GetMapping(
      produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
  ResponseEntity<String> get(
      @PathVariable String service,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      @RequestHeader(value = "If-None-Match", required = false) String ifNoneMatch) {
    ServiceNames.requireReported(service);
    if (!ServiceNames.canHaveOwnDocument(service)) {
      throw new ApiException(
          ProblemType.NOT_FOUND,
          "'"
              + OneLineText.escape(service)
              + "' can have no rule document of its own (a service name is "
              + RuleDocument.SERVICE_NAME_RULE
              + "), so its agents run the _default document",
          Map.of("canHaveOwnDocument", false));
    }
    RuleStore.StoredRules rules =
        store
            .get(service)
            .orElseThrow(
                () -> new ApiException(ProblemType.NOT_FOUND, "no rules for service " + service));
    ReadPreconditions.require(service, rules.revision(), ifMatch);
    if (ReadPreconditions.anyCurrent(ifNoneMatch)) {
      return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag(rules.revision())).build();
    }
    return ResponseEntity.ok()
        .eTag(etag(rules.revision()))
        .contentType(MediaType.APPLICATION_JSON)
        .body(rules.document());
  }

  @PutMapping
  @RequiresRole(Role.WRITER)
  ResponseEntity<Map<String, Object>> put(
      @PathVariable String service,
      @RequestBody(required = false) byte[] body,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      @RequestHeader(value = "If-None-Match", required = false) String ifNoneMatch,
      @RequestHeader(value = "X-Sluice-Comment", required = false) String comment,
      HttpServletRequest request) {
    ServiceNames.require(service);
    requireDocumentType(request.getContentType());
    String document = validate(service, body == null ? new byte[0] : body, null);
    RuleStore.Written written =
        store.putUnlessSame(
            service, document, precondition(ifMatch, ifNoneMatch), change(request, comment));
    if (!written.changed()) {
      // the same document again (a pipeline applying on every deploy): no revision, no event
      return json(ResponseEntity.ok().eTag(etag(written.revision())))
          .body(unchanged(written.revision()));
    }
    return written("put", written.revision());
  }

  /**
   * Refuses a PUT body that does not claim to be the whole document as JSON. Accepted: JSON ({@code
   * application/json}, {@code application/*+json}), and the types plain tools send without being
   * told ({@code curl --data}: form-urlencoded; {@code text/plain}; none), in UTF-8. Refused:
   * patches ({@code merge-patch+json}, {@code json-patch+json}), which a PUT would otherwise apply
   * as a whole document, dropping everything the patch leaves out; YAML, XML and the rest; other
   * charsets, whose text would be read wrongly.
   */
  static void requireDocumentType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return;
    }
    MediaType type;
    try {
      type = MediaType.parseMediaType(contentType);
    } catch (InvalidMediaTypeException e) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type '"
              + OneLineText.escape(contentType)
              + "' is not a media type; send application/json");
    }
    String subtype = type.getSubtype().toLowerCase(java.util.Locale.ROOT);
    if (type.getType().equalsIgnoreCase("application")
        && (subtype.equals("merge-patch+json") || subtype.equals("json-patch+json"))) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "a PUT replaces the whole rule document; patches ("
              + type.getType()
              + "/"
              + subtype
              + ") are not supported: GET the document, change it, PUT it back as"
              + " application/json");
    }
    boolean accepted =
        JsonMediaTypes.isJson(type)
            || type.equalsTypeAndSubtype(MediaType.APPLICATION_FORM_URLENCODED)
            || type.equalsTypeAndSubtype(MediaType.TEXT_PLAIN);
    if (!accepted) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "the rule document is JSON: send it as application/json, not "
              + type.getType()
              + "/"
              + type.getSubtype());
    }
    JsonMediaTypes.requireUtf8(type, "the rule document");
  }

  @DeleteMapping
  @RequiresRole(Role.WRITER)
  ResponseEntity<Map<String, Object>> delete(
      @PathVariable String service,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      @RequestHeader(value = "If-None-Match", required = false) String ifNoneMatch,
      @RequestHeader(value = "X-Sluice-Comment", required = false) String comment,
      HttpServletRequest request) {
    ServiceNames.require(service);
    // If-None-Match is honoured as on a PUT: a condition the server ignores is a write the client
    // did not ask for (here, a document deleted although the client said "only if there is none")
    long revision =
        store.delete(service, precondition(ifMatch, ifNoneMatch), change(request, comment));
    meters.counter("sluice.rules.writes", "action", "delete").increment();
    return json(ResponseEntity.ok()).body(Map.of("revision", revision));
  }

  /**
   * Makes a past version current. The revision comes in the query ({@code ?to=N}), as the API
   * documents it; a rollback takes no body, and any body with content is refused (415) rather than
   * ignored or read: a client that sent {@code {"to": 5}} as JSON, or {@code curl -d to=5}, meant a
   * revision the URL may not name, and must not get a rollback to another one, or a 400 that only
   * speaks of the query. An empty body, of any type and however framed (no body, {@code
   * Content-Length: 0}, or chunked with no data), holds nothing and is no body.
   *
   * <p>A rollback to the rules already in force writes nothing, as a PUT of them does: it answers
   * {@code {"revision": N, "unchanged": true}} with N the current revision. Revision 0 (or below)
   * is no revision: 400, not a 404 for a revision without history.
   *
   * <p>{@code body} is declared before {@code to} on purpose: arguments are resolved in order, and
   * once the body's stream is taken Tomcat no longer parses a form body as parameters, so {@code
   * to} is only ever the query's.
   */
  @PostMapping("/rollback")
  @RequiresRole(Role.WRITER)
  ResponseEntity<Map<String, Object>> rollback(
      @PathVariable String service,
      InputStream body,
      @RequestParam(required = false) Long to,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      @RequestHeader(value = "If-None-Match", required = false) String ifNoneMatch,
      @RequestHeader(value = "X-Sluice-Comment", required = false) String comment,
      HttpServletRequest request)
      throws IOException {
    ServiceNames.require(service);
    NoBody.require(
        body,
        request.getContentType(),
        "a rollback takes no body: give the revision to roll back to in the query, ?to=N, and"
            + " send no body");
    if (to == null) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "Required parameter 'to' is not present: give the revision to roll back to in the"
              + " query, ?to=N");
    }
    if (to < 1) {
      // no revision is below 1: a 404 said the client named a revision without history
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "to must be a revision, 1 or more (one of the history's entries), not " + to);
    }
    RuleStore.Expected expected = precondition(ifMatch, ifNoneMatch);
    HistoryEntry target =
        history.toRestore(service, to).orElseThrow(() -> history.noEntry(service, to));
    if (target.document() == null) {
      throw new ApiException(
          ProblemType.NOT_A_DOCUMENT,
          "revision "
              + to
              + " of "
              + OneLineText.escape(service)
              + " is a deletion; there is no document to restore");
    }
    // Re-validate: a document from an older control plane must still pass today's rules.
    String document =
        validate(
            service,
            json.writeValueAsBytes(target.document()),
            "revision " + to + " of " + OneLineText.escape(service) + " fails today's rules");
    RuleStore.Written written =
        store.rollBackUnlessSame(service, document, expected, change(request, comment), to);
    if (!written.changed()) {
      // the rules in force already, as a PUT of them: no revision, no history entry, no rollout
      return json(ResponseEntity.ok().eTag(etag(written.revision())))
          .body(unchanged(written.revision()));
    }
    return written("rollback", written.revision());
  }

  /** {@code {"revision": N, "unchanged": true}}, in that order, as documented. */
  private static Map<String, Object> unchanged(long revision) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("revision", revision);
    answer.put("unchanged", true);
    return answer;
  }

  private ResponseEntity<Map<String, Object>> written(String action, long revision) {
    meters.counter("sluice.rules.writes", "action", action).increment();
    return json(ResponseEntity.ok().eTag(etag(revision))).body(Map.of("revision", revision));
  }

  /**
   * Answers of writes are JSON whatever the request's {@code Accept} says: the change is committed
   * by the time the answer is written, and a 406 then would tell the client it failed.
   */
  private static ResponseEntity.BodyBuilder json(ResponseEntity.BodyBuilder answer) {
    return answer.contentType(MediaType.APPLICATION_JSON);
  }

  /**
   * Validates a document for the service and answers its canonical JSON, compact: every default
   * spelled out makes it larger than what was sent, and indentation must not add more, as it has to
   * fit in a request body again (see {@link RuleStore}).
   *
   * @param pastVersion {@code null} for a document the client sent; else what the refusal's detail
   *     names as refused (a past version, which the client never sent)
   */
  private String validate(String service, byte[] body, String pastVersion) {
    ParseResult result = RuleCodec.parseFor(service, body);
    List<ValidationError> errors = result.errors();
    if (!errors.isEmpty()) {
      meters.counter("sluice.rules.validation.failures").increment();
      // a past version is text the client never saw: its lines and columns would point at nothing
      throw pastVersion == null
          ? InvalidRules.problem(errors, result.problemCount())
          : InvalidRules.problem(pastVersion, InvalidRules.unplaced(errors), result.problemCount());
    }
    return RuleCodec.writeCompact(result.document());
  }

  private static RuleStore.Change change(HttpServletRequest request, String comment) {
    comment = decodeComment(comment, request.getHeader(COMMENT_ENCODING));
    // trimmed first: the whitespace around it is not kept, so it does not count either
    comment = comment == null || comment.isBlank() ? null : comment.strip();
    if (comment != null && comment.length() > MAX_COMMENT_LENGTH) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "X-Sluice-Comment is longer than " + MAX_COMMENT_LENGTH + " characters");
    }
    requireOneLine(comment);
    return new RuleStore.Change(Caller.of(request).name(), comment);
  }

  /**
   * Refuses a comment that would not show as one line, as written: control characters (U+0000 to
   * U+001F, U+007F to U+009F, line breaks and tabs included), the line and paragraph separators
   * U+2028 and U+2029, and the bidirectional controls, as rule names refuse them ({@link
   * OneLineText}). The web UI asks for a comment in a one-line field and the history shows it in
   * one table cell; a line break or a terminal escape, percent-encoded or sent as raw UTF-8, would
   * forge lines and colours wherever history is printed, and a right-to-left override would show
   * the comment as other text than it is. Whitespace around the comment is trimmed as before, so a
   * trailing line break is no error.
   */
  private static void requireOneLine(String comment) {
    String problem = comment == null ? null : OneLineText.problem(comment);
    if (problem != null) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "X-Sluice-Comment "
              + problem
              + ": a comment is one line of text, shown as written, without line breaks, tabs or"
              + " bidirectional controls");
    }
  }

  /**
   * The comment as written. HTTP header values are ASCII in practice, so a client with other text
   * (the web UI) percent-encodes it as UTF-8 and says so with {@code X-Sluice-Comment-Encoding:
   * percent}. A client that sends UTF-8 bytes as they are (curl, most libraries) is understood too:
   * see {@link #rawHeaderText}.
   */
  private static String decodeComment(String comment, String encoding) {
    if (comment == null) {
      return null;
    }
    if (encoding == null) {
      return rawHeaderText(comment);
    }
    if (!encoding.strip().equalsIgnoreCase("percent")) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          COMMENT_ENCODING
              + " must be 'percent' (UTF-8, as encodeURIComponent writes it), not '"
              + OneLineText.escape(encoding)
              + "'");
    }
    byte[] bytes;
    try {
      // a '+' is a plus here, not a space as in a form; ISO-8859-1 keeps each decoded byte as one
      // char, so the bytes can be read as UTF-8 strictly below
      bytes =
          URLDecoder.decode(comment.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
              .getBytes(StandardCharsets.ISO_8859_1);
    } catch (IllegalArgumentException e) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "X-Sluice-Comment is not valid percent-encoding although "
              + COMMENT_ENCODING
              + " says so: "
              + e.getMessage());
    }
    try {
      // URLDecoder would put U+FFFD in place of bytes that are not UTF-8: refuse them instead of
      // recording a garbled comment, as for a comment sent without an encoding
      return strictUtf8(bytes);
    } catch (CharacterCodingException e) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "X-Sluice-Comment decodes to bytes that are not UTF-8: percent-encode the text as UTF-8"
              + " (encodeURIComponent)");
    }
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  /**
   * A header value sent without an encoding. The servlet container hands header bytes over as
   * ISO-8859-1, one character per byte, so UTF-8 text sent as it is arrives as mojibake ({@code
   * café} as {@code cafÃ©}). When the bytes are valid UTF-8 they are read as such; other bytes
   * above ASCII (Latin-1 text, say) are refused, since guessing would store the wrong text.
   */
  static String rawHeaderText(String value) {
    boolean ascii = true;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xFF) {
        return value; // not bytes read as ISO-8859-1: already text
      }
      ascii &= c < 0x80;
    }
    if (ascii) {
      return value;
    }
    try {
      return strictUtf8(value.getBytes(StandardCharsets.ISO_8859_1));
    } catch (CharacterCodingException e) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "X-Sluice-Comment has bytes beyond ASCII that are not UTF-8: send the text as UTF-8,"
              + " best percent-encoded with "
              + COMMENT_ENCODING
              + ": percent");
    }
  }

  /**
   * {@code If-Match: "N"} → N, {@code If-Match: "N", "M"} → N or M (RFC 9110: the condition holds
   * if any tag matches), {@code If-Match: *} → must exist, {@code If-None-Match: *} → 0. A tag of
   * digits that is not a revision as the ETag gives it ({@code "026"}, {@code "0"}) → {@link
   * RuleStore#NO_REVISION}, which no document matches (412); anything else that is no revision →
   * 400, as is a {@code *} in a list ({@code *} stands alone) and an empty {@code If-Match}: a
   * script whose ETag variable is empty means a conditional write, and must not get an
   * unconditional one.
   */
  static RuleStore.Expected precondition(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifMatch.isBlank()) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "If-Match is empty: send the ETag of the rules you read, e.g. \"42\", or * for any"
              + " existing rules; leave the header out to write whatever rules there are");
    }
    if (ifNoneMatch != null && ifMatch != null) {
      // RFC 9110 evaluates both; If-Match needs the rules to exist, If-None-Match: * needs them
      // absent, so together they can never hold
      throw new ApiException(
          ProblemType.PRECONDITION_FAILED,
          "If-Match and If-None-Match cannot both hold: one needs the rules to exist, the other"
              + " needs them absent; send If-Match to replace, If-None-Match: * to create");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.strip().equals("*")) {
        throw new ApiException(ProblemType.INVALID_REQUEST, "If-None-Match supports only *");
      }
      return RuleStore.Expected.revision(0);
    }
    if (ifMatch == null) {
      return null;
    }
    String value = ifMatch.strip();
    if (value.equals("*")) {
      return RuleStore.Expected.revision(RuleStore.ANY_EXISTING);
    }
    // the list's elements, split at the commas outside quotes (an entity tag may hold a comma);
    // empty elements are skipped, as RFC 9110's list syntax asks of recipients
    List<Long> revisions = new ArrayList<>();
    int i = 0;
    while (i < value.length()) {
      int start = i;
      boolean quoted = false;
      while (i < value.length() && (quoted || value.charAt(i) != ',')) {
        quoted ^= value.charAt(i) == '"';
        i++;
      }
      String tag = value.substring(start, i).strip();
      if (!tag.isEmpty()) {
        revisions.add(revision(tag));
      }
      i++; // past the comma
    }
    if (revisions.isEmpty()) {
      throw notARevision();
    }
    return new RuleStore.Expected(revisions);
  }

  /** One tag of an {@code If-Match} list as a revision (see {@link #precondition}). */
  private static long revision(String tag) {
    if (tag.equals("*")) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "If-Match is * alone or a list of revisions as the ETag gives them (\"3\", \"4\"), not"
              + " both");
    }
    if (tag.startsWith("W/")) {
      // weak tags are taken as strong ones: proxies that compress answers (nginx) weaken the
      // ETag they pass on, and a client behind one could otherwise never write
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    if (!asciiDigits(tag)) {
      throw notARevision();
    }
    // An ETag matches only as the server writes it: "026" (a revision zero-padded, as history keys
    // are) or "0" (no document has revision 0) is another tag, so it fails like a stale one rather
    // than being read as revision 26 or as "must not exist"
    if (tag.charAt(0) == '0') {
      return RuleStore.NO_REVISION;
    }
    try {
      return Long.parseLong(tag);
    } catch (NumberFormatException e) {
      return RuleStore.NO_REVISION; // digits beyond any revision
    }
  }

  private static ApiException notARevision() {
    return new ApiException(
        ProblemType.INVALID_REQUEST,
        "If-Match must be a revision as the ETag gives it, e.g. \"42\", a list of them (\"42\","
            + " \"43\"), or *");
  }

  /**
   * Whether {@code text} is one or more of {@code 0-9}: {@link Long#parseLong} would also take a
   * sign and other scripts' digits, which the server never writes in an ETag.
   */
  private static boolean asciiDigits(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  static String etag(long revision) {
    return "\"" + revision + "\"";
  }
}

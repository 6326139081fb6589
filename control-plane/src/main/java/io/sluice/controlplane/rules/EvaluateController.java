package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.security.ServiceNames;
import io.sluice.rules.AttributeReader;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.OneLineText;
import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.SpanKind;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dry run: which sampling rule or breaker policy of a service's effective rules decides for a
 * span or an outgoing call, with the same compiled matchers the agents use. With an optional {@code
 * document} it evaluates that draft instead, validated as a save would be, so an editor can try
 * unsaved changes before anyone's agents run them.
 */
@RestController
class EvaluateController {

  private final EffectiveRules effective;
  private final JsonMapper json;

  EvaluateController(EffectiveRules effective, JsonMapper json) {
    this.effective = effective;
    this.json = json;
  }

  /**
   * {@code {"span": {...}}} or {@code {"call": {...}}}, and optionally {@code "document"}: a draft
   * rule document to evaluate instead of the stored rules.
   */
  record EvaluateRequest(SpanInput span, CallInput call, JsonNode document) {}

  record SpanInput(String name, String kind, Map<String, String> attributes) {}

  record CallInput(String method, String url) {}

  /**
   * The answer.
   *
   * @param service the service asked about
   * @param source the service whose document decided ({@code _default} possibly), or {@code null}
   *     for the built-in defaults
   * @param revision that document's revision, 0 for the built-in defaults, {@code null} for a draft
   * @param kind {@code span} or {@code call}
   * @param name the deciding rule or policy, or {@code null} when none matched
   * @param decision for a span: {@code ratio}, {@code maxPerSecond}, {@code respectParentDecision};
   *     for a call: the policy's breaker settings and {@code onOpen}, or {@code null} when no
   *     policy guards the call
   * @param draft true when the request's {@code document} was evaluated, not the stored rules
   */
  record Evaluation(
      String service,
      String source,
      Long revision,
      String kind,
      String name,
      Object decision,
      boolean draft) {}

  /** The rules a dry run evaluates: the stored effective rules, or a posted draft. */
  private record Subject(String source, Long revision, boolean draft, CompiledRules rules) {}

  /** The fields a request may have, by where they go; anything else is a mistake to report. */
  private static final Map<String, List<String>> FIELDS =
      Map.of(
          "", List.of("span", "call", "document"),
          "span", List.of("name", "kind", "attributes"),
          "call", List.of("method", "url"));

  /** A field name a path writes as {@code .name}; others are written {@code ['a.b']}. */
  private static final java.util.regex.Pattern PLAIN_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * The longest span name, attribute value or call URL a dry run takes, in characters: matching
   * costs each rule up to its input's length, so a request of a long input against a document of
   * many rules would keep a thread busy. Longer than any span name or URL a server takes (8 KiB is
   * the common limit of a request line).
   */
  static final int MAX_INPUT_CHARS = 8192;

  /** What a draft is read as when looking for fields the request around it gives twice. */
  private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

  /** The most duplicate fields a refusal names one by one. */
  private static final int MAX_DUPLICATES_SAID = 10;

  @PostMapping("/api/v1/services/{service}/rules/evaluate")
  Evaluation evaluate(
      @PathVariable String service, @RequestBody byte[] raw, HttpServletRequest http) {
    ServiceNames.requireReported(service);
    requireJson(http.getContentType());
    JsonNode body;
    try {
      body = json.readTree(raw);
    } catch (tools.jackson.core.JacksonException e) {
      // Jackson's messages can quote the input: what is wrong and where, as a save says it
      String problem = RuleCodec.syntaxProblem(raw);
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          problem == null
              ? "the request body is not valid JSON of the expected shape"
              : "the request body is not valid JSON: " + problem);
    }
    // where the drafts lie, read once: the duplicate check and the draft's own bytes both use it
    List<long[]> drafts = documentValues(raw);
    EvaluateRequest request = read(body, raw, drafts);
    if (request == null || (request.span() == null) == (request.call() == null)) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST, "give exactly one of \"span\" or \"call\"");
    }
    requireShortInputs(request);
    JsonNode document = request.document();
    Subject rules =
        document != null && !document.isNull()
            ? draft(service, raw, documentAsSent(raw, drafts, document))
            : stored(service);
    JsonNode canonical = json.readTree(RuleCodec.write(rules.rules().document()));
    return request.span() != null
        ? span(service, rules, canonical, request.span())
        : call(service, rules, canonical, request.call());
  }

  /** Refuses a request whose inputs are longer than {@link #MAX_INPUT_CHARS}, naming each one. */
  private static void requireShortInputs(EvaluateRequest request) {
    List<String> tooLong = new ArrayList<>();
    if (request.span() != null) {
      if (isTooLong(request.span().name())) {
        tooLong.add("span.name");
      }
      if (request.span().attributes() != null) {
        request
            .span()
            .attributes()
            .forEach(
                (key, value) -> {
                  if (isTooLong(value)) {
                    tooLong.add("span.attributes['" + cut(key) + "']");
                  }
                });
      }
    } else if (isTooLong(request.call().url())) {
      tooLong.add("call.url");
    }
    if (!tooLong.isEmpty()) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          String.join(", ", tooLong)
              + (tooLong.size() == 1 ? " is" : " are")
              + " longer than a dry run takes: at most "
              + MAX_INPUT_CHARS
              + " characters each");
    }
  }

  private static boolean isTooLong(String input) {
    return input != null && input.length() > MAX_INPUT_CHARS;
  }

  /**
   * Turns the numbers among {@code span.attributes} into the text an agent matches for a span
   * attribute of that type: a whole number is a long attribute ({@code 100}), any other a double,
   * whose text drops a zero fraction ({@code 1e2} and {@code 100.0} are {@code 100}, as {@link
   * AttributeReader#doubleText} writes it). Read as strings by Jackson, {@code 1e2} was {@code
   * "100.0"}, and the dry run told no match where the agents matched.
   */
  private static void attributeNumbersAsAgentsReadThem(JsonNode span) {
    JsonNode attributes = span == null ? null : span.get("attributes");
    if (!(attributes instanceof ObjectNode object)) {
      return;
    }
    for (String key : List.copyOf(object.propertyNames())) {
      JsonNode value = object.get(key);
      if (value.isIntegralNumber()) {
        object.put(
            key, value.canConvertToLong() ? Long.toString(value.longValue()) : value.asString());
      } else if (value.isNumber()) {
        object.put(key, AttributeReader.doubleText(value.doubleValue()));
      }
    }
  }

  /**
   * The request, refusing fields it does not know and fields given twice: a misspelt {@code
   * "attribute"} would otherwise be dropped, and the dry run would answer for a span without
   * attributes, which looks like a rule that does not match; of a field given twice the tree keeps
   * the last, which may not be the one the client meant (a PUT refuses both alike).
   */
  private EvaluateRequest read(JsonNode body, byte[] raw, List<long[]> drafts) {
    if (body == null || body.isNull()) {
      return null;
    }
    List<String> problems = new ArrayList<>(duplicateFields(raw, drafts));
    unknownFields(body, "", problems);
    for (String part : List.of("span", "call")) {
      JsonNode node = body.get(part);
      if (node != null && node.isObject()) {
        unknownFields(node, part, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new ApiException(ProblemType.INVALID_REQUEST, String.join("; ", problems));
    }
    attributeNumbersAsAgentsReadThem(body.get("span"));
    try {
      return json.treeToValue(body, EvaluateRequest.class);
    } catch (tools.jackson.core.JacksonException e) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the request is {\"span\": {\"name\", \"kind\", \"attributes\": {...}}} or {\"call\":"
              + " {\"method\", \"url\"}}, with an optional \"document\", each value a string"
              + " (attributes: an object of strings)");
    }
  }

  /**
   * Each field the request gives twice, outside {@code document}, described with where it is, in
   * the order the second one comes (at most {@value #MAX_DUPLICATES_SAID}, then how many more): a
   * client that fixes the first should not meet the next only on its next try. A draft's duplicates
   * are the draft's parse to report, in a save's words (invalid-rules), so the drafts are read as
   * {@code null} here: what stays is the request around them, a repeated {@code "document"}
   * included.
   *
   * @param drafts where the drafts lie ({@link #documentValues}), in order
   */
  private List<String> duplicateFields(byte[] raw, List<long[]> drafts) {
    byte[] request = drafts.isEmpty() ? raw : blanked(raw, drafts);
    List<String> said = new ArrayList<>();
    int more = 0;
    // per object open, its names so far: 1 once seen, 2 once said
    Deque<Map<String, Integer>> objects = new ArrayDeque<>();
    try (JsonParser parser = json.createParser(request)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.START_OBJECT) {
          objects.push(new HashMap<>());
        } else if (token == JsonToken.END_OBJECT) {
          objects.pop();
        } else if (token == JsonToken.PROPERTY_NAME
            && objects.peek().merge(parser.currentName(), 1, Integer::sum) == 2) {
          if (said.size() == MAX_DUPLICATES_SAID) {
            more++;
            continue;
          }
          String where = path(parser.streamReadContext().getParent());
          said.add(
              "duplicate field '"
                  + cut(parser.currentName())
                  + "'"
                  + (where.isEmpty() ? "" : " in " + where)
                  + ": give each field once");
        }
      }
    } catch (JacksonException e) {
      return said; // the body was read as a tree already, so not expected
    }
    if (more > 0) {
      said.add(more + (more == 1 ? " more field" : " more fields") + " given twice");
    }
    return said;
  }

  /**
   * {@code raw} with each draft replaced by {@code null}, in one pass: a body may repeat {@code
   * "document"} thousands of times, so copying it once per draft would cost the square of its size.
   */
  private static byte[] blanked(byte[] raw, List<long[]> drafts) {
    long length = raw.length;
    for (long[] draft : drafts) {
      length += NULL.length - (draft[1] - draft[0]);
    }
    byte[] blanked = new byte[Math.toIntExact(length)];
    int from = 0;
    int to = 0;
    for (long[] draft : drafts) {
      int start = (int) draft[0];
      System.arraycopy(raw, from, blanked, to, start - from);
      to += start - from;
      System.arraycopy(NULL, 0, blanked, to, NULL.length);
      to += NULL.length;
      from = (int) draft[1];
    }
    System.arraycopy(raw, from, blanked, to, raw.length - from);
    return blanked;
  }

  /** Where a value is in the request: {@code span.attributes}, {@code ['a.b']} for such a name. */
  private static String path(TokenStreamContext context) {
    StringBuilder path = new StringBuilder();
    for (TokenStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      String name = c.currentName();
      if (c.inArray()) {
        path.insert(0, "[" + c.getCurrentIndex() + "]");
      } else if (name != null && PLAIN_NAME.matcher(name).matches()) {
        path.insert(0, "." + name);
      } else if (name != null) {
        path.insert(
            0,
            "['"
                + OneLineText.escape(shortened(name).replace("\\", "\\\\").replace("'", "\\'"))
                + "']");
      }
    }
    return path.length() > 0 && path.charAt(0) == '.' ? path.substring(1) : path.toString();
  }

  /**
   * A name as the client wrote it, cut short if long (the detail is no place for a whole body),
   * with what {@link OneLineText} forbids written as its escape, as the rule document's paths and
   * messages write it.
   */
  private static String cut(String name) {
    return OneLineText.escape(shortened(name));
  }

  private static String shortened(String name) {
    return name.length() > 80 ? name.substring(0, 80) + "..." : name;
  }

  private static void unknownFields(JsonNode node, String where, List<String> unknown) {
    if (!node.isObject()) {
      return;
    }
    List<String> allowed = FIELDS.get(where);
    for (String field : node.propertyNames()) {
      if (!allowed.contains(field)) {
        String path = where.isEmpty() ? field : where + "." + field;
        unknown.add(
            "unknown field '"
                + OneLineText.escape(path)
                + "'"
                + (where.isEmpty() ? "" : " in " + where)
                + ": expected "
                + String.join(", ", allowed));
      }
    }
  }

  private Subject stored(String service) {
    EffectiveRules.Effective rules = effective.known(service);
    return new Subject(rules.source(), rules.revision(), false, rules.rules());
  }

  /**
   * The draft's own bytes, as the client wrote them, for the same parse a save does: the request's
   * tree has already dropped what a save refuses (a duplicate key keeps its last value) and turned
   * numbers into doubles ({@code 1e400} becomes {@code Infinity}, then the string {@code
   * "Infinity"} when written again), so re-serializing it would evaluate a document that differs
   * from the one sent. A document that is not an object is refused alike either way.
   */
  private Draft documentAsSent(byte[] raw, List<long[]> drafts, JsonNode document) {
    if (document.isObject() && !drafts.isEmpty()) {
      // the last "document" is the one the tree holds (a request with two is refused anyway)
      long[] last = drafts.get(drafts.size() - 1);
      if (raw[(int) last[0]] == '{') {
        return new Draft(
            java.util.Arrays.copyOfRange(raw, (int) last[0], (int) last[1]), (int) last[0]);
      }
    }
    return new Draft(json.writeValueAsBytes(document), -1);
  }

  /**
   * A draft's bytes, and where they start in the request body, or -1 when they are not the body's
   * own (written again from the tree).
   */
  private record Draft(byte[] bytes, int offset) {}

  /**
   * Where each {@code "document"} of the request that is an object or a list lies in {@code raw}:
   * {@code [start, end)} in bytes, in order; none when the body does not read as an object (it was
   * read as a tree already, so that is not expected).
   */
  private List<long[]> documentValues(byte[] raw) {
    List<long[]> ranges = new ArrayList<>();
    try (JsonParser parser = json.createParser(raw)) {
      if (parser.nextToken() == JsonToken.START_OBJECT) {
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
          String field = parser.currentName();
          JsonToken value = parser.nextToken();
          long from = parser.currentTokenLocation().getByteOffset();
          parser.skipChildren();
          long to = parser.currentLocation().getByteOffset();
          if (field.equals("document")
              && value.isStructStart()
              && from >= 0
              && to > from
              && to <= raw.length) {
            ranges.add(new long[] {from, to});
          }
        }
      }
    } catch (JacksonException e) {
      return List.of();
    }
    return ranges;
  }

  /**
   * The body is read as bytes (see {@link #documentAsSent}), so the checks Spring's JSON reading
   * made are made here: JSON ({@code application/json}, {@code application/*+json}) in UTF-8; other
   * charsets would be read wrongly.
   */
  private static void requireJson(String contentType) {
    MediaType type = null;
    try {
      type = contentType == null ? null : MediaType.parseMediaType(contentType);
    } catch (org.springframework.http.InvalidMediaTypeException e) {
      // refused below as not JSON
    }
    if (type == null || !JsonMediaTypes.isJson(type)) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "the request is JSON: send it as application/json"
              + (contentType == null || contentType.isBlank()
                  ? ""
                  : ", not " + OneLineText.escape(contentType)));
    }
    JsonMediaTypes.requireUtf8(type, "the request");
  }

  /**
   * A draft is held to what a save of it would be: the same parse, for this service. Its problems
   * are placed in the request body the client sent, around the draft: a client points at the line
   * it wrote, as for a save.
   */
  private Subject draft(String service, byte[] raw, Draft draft) {
    ParseResult parsed = RuleCodec.parseFor(service, draft.bytes());
    if (!parsed.isValid()) {
      throw InvalidRules.problem(
          InvalidRules.shifted(parsed.errors(), draft.offset() < 0 ? null : raw, draft.offset()),
          parsed.problemCount());
    }
    return new Subject(
        parsed.document().service(), null, true, CompiledRules.compile(parsed.document()));
  }

  private Evaluation span(String service, Subject rules, JsonNode canonical, SpanInput span) {
    SpanKind kind = null;
    if (span.kind() != null) {
      try {
        kind = SpanKind.valueOf(span.kind().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ApiException(
            ProblemType.INVALID_REQUEST, "span.kind must be one of " + List.of(SpanKind.values()));
      }
    }
    Map<String, String> attributes = span.attributes() == null ? Map.of() : span.attributes();
    CompiledRules compiled = rules.rules();
    List<String> keys = compiled.attributeKeys();
    int index =
        compiled.samplingRuleIndex(span.name(), kind, attributes, (a, i) -> a.get(keys.get(i)));
    JsonNode sampling = canonical.get("sampling");
    Map<String, Object> decision = new LinkedHashMap<>();
    String name = null;
    if (index == CompiledRules.NO_MATCH) {
      decision.put("ratio", sampling.get("defaultRatio").asDouble());
      decision.put("defaultRatio", true);
    } else {
      JsonNode rule = sampling.get("rules").get(index);
      name = rule.get("name").asString();
      decision.put("ratio", rule.get("ratio").asDouble());
      if (rule.has("maxPerSecond")) {
        decision.put("maxPerSecond", rule.get("maxPerSecond").asInt());
      }
    }
    decision.put("respectParentDecision", sampling.get("respectParentDecision").asBoolean());
    return new Evaluation(
        service, rules.source(), rules.revision(), "span", name, decision, rules.draft());
  }

  /**
   * Refuses a port no call can go to: {@link URI} takes any digits (99999), leaves a port it cannot
   * read ({@code -1}, {@code 8o8o}) in a registry authority, and {@link CallTarget} reads such a
   * port, like 0, as the scheme's default, so the dry run would answer for port 80 instead of
   * saying the URL is wrong. An empty port ({@code http://host:/}) is the default, as RFC 3986 has
   * it, and leading zeros are allowed as there.
   */
  private static void requirePossiblePort(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return;
    }
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || authority.lastIndexOf(']') > colon) {
      return;
    }
    String port = authority.substring(colon + 1);
    String digits = port.replaceFirst("^0+", "");
    boolean possible =
        port.isEmpty()
            || (port.chars().allMatch(c -> c >= '0' && c <= '9')
                && !digits.isEmpty()
                && digits.length() <= 5
                && Integer.parseInt(digits) <= 65_535);
    if (!possible) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "call.url has port '"
              + (port.length() > 20 ? port.substring(0, 20) + "..." : port)
              + "': a port is a number from 1 to 65535");
    }
  }

  private Evaluation call(String service, Subject rules, JsonNode canonical, CallInput call) {
    if (call.url() == null || call.url().isBlank()) {
      throw new ApiException(ProblemType.INVALID_REQUEST, "call.url is required");
    }
    URI uri;
    try {
      uri = URI.create(call.url().strip());
    } catch (IllegalArgumentException e) {
      throw new ApiException(ProblemType.INVALID_REQUEST, "call.url is not a URL");
    }
    requirePossiblePort(uri);
    CallTarget target = uri.getScheme() == null ? null : CallTarget.of(uri);
    if (target == null) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST, "call.url must be absolute, e.g. http://payments:8080/pay");
    }
    String method = call.method() == null ? "GET" : call.method().toUpperCase(Locale.ROOT);
    int index =
        rules.rules().breakerPolicyIndex(target.host(), target.port(), method, target.path());
    if (index == CompiledRules.NO_MATCH) {
      return new Evaluation(
          service, rules.source(), rules.revision(), "call", null, null, rules.draft());
    }
    ObjectNode policy = ((ObjectNode) canonical.get("breakers").get(index)).deepCopy();
    String name = policy.get("name").asString();
    policy.remove("name");
    policy.remove("match");
    policy.put("key", "rule".equals(policy.path("scope").asString()) ? name : target.key());
    return new Evaluation(
        service, rules.source(), rules.revision(), "call", name, policy, rules.draft());
  }
}

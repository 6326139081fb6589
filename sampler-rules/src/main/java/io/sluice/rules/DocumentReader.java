package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Reads a JSON tree into a {@link RuleDocument}, collecting every problem with its JSON path
 * instead of stopping at the first. Defaults are filled in here, so a document read back from
 * {@link RuleCodec#write} is equal to the one written.
 */
final class DocumentReader {

  private static final Pattern STATUS_SINGLE = Pattern.compile("[1-5][0-9][0-9]");
  private static final Pattern STATUS_CLASS = Pattern.compile("[1-5]xx");
  private static final Pattern STATUS_RANGE =
      Pattern.compile("([1-5][0-9][0-9])-([1-5][0-9][0-9])");

  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern HEADER_VALUE = Pattern.compile("[\\t\\x20-\\x7e]*");
  private static final Pattern MEDIA_TYPE =
      Pattern.compile("\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+\\s*");
  private static final int MAX_NAME_LENGTH = 128;

  /**
   * The most a sliding window's size and the half-open trial calls can be: Resilience4j allocates
   * the whole window up front, for every breaker (one per target by default).
   */
  static final int MAX_WINDOW = 1000;

  private static final int MAX_QUOTED = 80;

  private static final String TOO_SMALL =
      "is too small a number: a double holds it as 0 (nothing but 0 is nearer to 0 than about"
          + " 4.9e-324 either way); write 0 for zero";

  /** A threshold above 0 that Resilience4j, which keeps thresholds as a float, would hold as 0. */
  private static final String TOO_SMALL_FOR_A_FLOAT =
      "is too small a threshold: Resilience4j keeps it as a float, which holds it as 0 (nothing but"
          + " 0 is nearer to 0 than about 1.4e-45); give at least 1.4e-45";

  /**
   * A character that is not whitespace as ECMA-262 ({@code \s}) defines it, so that a name the JSON
   * Schema (pattern {@code [^...]}) accepts in a browser, this reader accepts too.
   */
  static final Pattern NOT_WHITESPACE =
      Pattern.compile(
          "[^\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a"
              + "\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]");

  /**
   * Whether {@code codePoint} shows as nothing in a name: whitespace (as {@link #NOT_WHITESPACE}
   * has it) or an invisible format character (Unicode's {@code Cf}: U+200B ZERO WIDTH SPACE, U+2060
   * WORD JOINER, U+FEFF, U+00AD SOFT HYPHEN, the tag characters U+E0020 to U+E007F, ...).
   */
  static boolean showsAsNothing(int codePoint) {
    return Character.getType(codePoint) == Character.FORMAT
        || codePoint == 0x0890 // ARABIC POUND MARK ABOVE and PIASTRE MARK ABOVE: format characters
        || codePoint == 0x0891 // since Unicode 14, which Java 17 does not know (the schema does)
        || !NOT_WHITESPACE.matcher(Character.toString(codePoint)).matches();
  }

  private static final List<String> ROOT_FIELDS =
      List.of("schemaVersion", "service", "sampling", "breakers");
  private static final List<String> SAMPLING_FIELDS =
      List.of("defaultRatio", "respectParentDecision", "rules");
  private static final List<String> RULE_FIELDS = List.of("name", "match", "ratio", "maxPerSecond");
  private static final List<String> SPAN_MATCH_FIELDS =
      List.of("spanName", "spanKind", "attributes");
  private static final List<String> BREAKER_FIELDS =
      List.of(
          "name",
          "match",
          "scope",
          "failureRateThreshold",
          "slowCallRateThreshold",
          "slowCallDuration",
          "slidingWindow",
          "minimumCalls",
          "waitInOpenState",
          "halfOpenCalls",
          "failureStatusCodes",
          "onOpen",
          "shadow");
  private static final List<String> CALL_MATCH_FIELDS = List.of("host", "port", "method", "path");
  private static final List<String> WINDOW_FIELDS = List.of("type", "size");
  private static final List<String> ON_OPEN_FIELDS = List.of("mode", "status", "headers", "body");

  private final DocumentOrder order;
  private final boolean asWritten;
  private final String storedFor;
  private final List<PositionedError> errors = new ArrayList<>();

  private DocumentReader(JsonNode root, boolean asWritten, String storedFor) {
    this.order = new DocumentOrder(root);
    this.asWritten = asWritten;
    this.storedFor = storedFor;
  }

  /** Reads a document as stored: what an agent or the control plane reads back from etcd. */
  static ParseResult read(JsonNode root) {
    return read(root, false, null, null);
  }

  /**
   * Reads a document as {@link #read(JsonNode)} or, {@code asWritten}, a document being written,
   * held to the checks added after documents may have been stored without them (see {@link
   * #requiredName}): a stricter check on reading would make stored rules unusable after an upgrade,
   * where it should only stop new ones.
   *
   * @param text where the tree's values are in the text it was read from, to place each problem at
   *     its line and column; {@code null} when the tree was not read from text
   * @param storedFor the service the document is stored for, whose name its {@code service} must be
   *     (checked with the other problems, so listed in document order); {@code null} for any
   */
  static ParseResult read(JsonNode root, boolean asWritten, TextLocations text, String storedFor) {
    DocumentReader reader = new DocumentReader(root, asWritten, storedFor);
    RuleDocument document = reader.document(root);
    reader.loneSurrogates(root, "$");
    if (reader.errors.isEmpty()) {
      return ParseResult.valid(document);
    }
    // The checks run field by field in a fixed order; users read their document top to bottom.
    List<PositionedError> sorted = new ArrayList<>(reader.errors);
    sorted.sort(PositionedError.IN_DOCUMENT_ORDER);
    int listed = ListedProblems.listed(sorted.size());
    List<ValidationError> errors = new ArrayList<>(listed + 1);
    for (PositionedError e : sorted.subList(0, listed)) {
      errors.add(
          text == null
              ? e.error()
              : e.atName() ? text.placeAtName(e.error()) : text.place(e.error(), e.field()));
    }
    return ListedProblems.invalid(errors, sorted.size() - listed);
  }

  private RuleDocument document(JsonNode node) {
    if (!object(node, "$")) {
      return null;
    }
    knownFields(node, "$", ROOT_FIELDS);
    JsonNode version = node.get("schemaVersion");
    if (version == null) {
      error("$.schemaVersion", "is required and must be " + RuleDocument.SCHEMA_VERSION);
    } else if (!version.isNumber()) {
      error(
          "$.schemaVersion",
          "must be the number " + RuleDocument.SCHEMA_VERSION + ", not " + kindOf(version));
    } else if (!Integer.valueOf(RuleDocument.SCHEMA_VERSION).equals(wholeNumber(version))) {
      error(
          "$.schemaVersion",
          "unsupported schema version "
              + shown(version)
              + "; this version of Sluice reads schemaVersion "
              + RuleDocument.SCHEMA_VERSION);
    }
    String service = string(node, "$", "service", null);
    if (service == null && !node.has("service")) {
      error("$.service", "is required");
    } else if (service != null && !RuleDocument.isServiceName(service)) {
      error(
          "$.service",
          quote(service) + " is not a service name: use " + RuleDocument.SERVICE_NAME_RULE);
    } else if (service != null && storedFor != null && !service.equals(storedFor)) {
      error(
          "$.service",
          "is " + quote(service) + ", not " + quote(storedFor) + ", the service it is stored for");
    }
    SamplingPolicy sampling =
        node.has("sampling")
            ? sampling(node.get("sampling"), "$.sampling")
            : SamplingPolicy.DEFAULT;
    List<BreakerPolicy> breakers =
        list(node, "$", "breakers", (n, p) -> breaker(n, p), BreakerPolicy::name);
    if (!errors.isEmpty()) {
      return null;
    }
    return new RuleDocument(RuleDocument.SCHEMA_VERSION, service, sampling, breakers);
  }

  private SamplingPolicy sampling(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, SAMPLING_FIELDS);
    double defaultRatio = ratio(node, path, "defaultRatio", 1.0);
    boolean respectParent = bool(node, path, "respectParentDecision", true);
    List<SamplingRule> rules = list(node, path, "rules", this::samplingRule, SamplingRule::name);
    return new SamplingPolicy(defaultRatio, respectParent, rules);
  }

  private SamplingRule samplingRule(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, RULE_FIELDS);
    String name = requiredName(node, path);
    // The sampler records these names on the spans no rule decided: a rule named so would make its
    // spans look like those. Refused in documents being written only, as the checks in
    // requiredName: a document stored before this check keeps running after an upgrade.
    if (asWritten && SamplingRule.RESERVED_NAMES.contains(name)) {
      error(path + ".name", reservedName(name));
    }
    SpanMatch match =
        node.has("match") ? spanMatch(node.get("match"), path + ".match") : SpanMatch.ANY;
    double ratio;
    if (!node.has("ratio")) {
      error(path + ".ratio", "is required: a number from 0 to 1");
      ratio = 0;
    } else {
      ratio = ratio(node, path, "ratio", 0);
    }
    Integer maxPerSecond = null;
    if (node.has("maxPerSecond")) {
      maxPerSecond = positiveInt(node, path, "maxPerSecond", 1);
    }
    return new SamplingRule(
        name == null ? "" : name, match == null ? SpanMatch.ANY : match, ratio, maxPerSecond);
  }

  private SpanMatch spanMatch(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, SPAN_MATCH_FIELDS);
    String spanName = glob(node, path, "spanName");
    SpanKind kind = enumValue(node, path, "spanKind", SpanKind.class, null);
    Map<String, String> attributes = new LinkedHashMap<>();
    JsonNode attrs = node.get("attributes");
    if (attrs != null && object(attrs, path + ".attributes")) {
      Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path + ".attributes" + JsonPathSteps.member(e.getKey());
        if (e.getKey().isEmpty()) {
          keyError(p, "an attribute key may not be empty");
        }
        String keyProblem = asWritten ? OneLineText.problem(e.getKey()) : null;
        if (keyProblem != null) {
          keyError(p, "an attribute key " + keyProblem);
        }
        JsonNode value = e.getValue();
        if (!value.isValueNode() || value.isNull()) {
          error(p, "must be a string glob, a number or a boolean");
          continue;
        }
        if (value.isNumber() && Double.isInfinite(value.doubleValue())) {
          // held as infinity, it would match the text "Infinity", which is not what was written
          error(p, "is too large a number: no attribute value is beyond about 1.8e308 either way");
          continue;
        }
        if (isTiny(value)) {
          // held as 0, it would match the text "0", which is not what was written
          error(p, TOO_SMALL);
          continue;
        }
        // 2e2 and 200.0 are the whole number 200, compared as the text an integer attribute has; a
        // whole number past the range of a long is no long attribute's, only a double's, as 1e19
        // (unless the double it means is in that range: -2^63 - 1 is the double -2^63, a long's)
        String text =
            value.isNumber() && !(value.isIntegralNumber() && value.canConvertToLong())
                ? AttributeReader.doubleText(value.doubleValue())
                : value.asText();
        String problem = globProblem(text);
        if (problem != null) {
          error(p, problem);
        }
        attributes.put(e.getKey(), text);
      }
    }
    return new SpanMatch(spanName, kind, attributes);
  }

  private BreakerPolicy breaker(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, BREAKER_FIELDS);
    String name = requiredName(node, path);
    CallMatch match =
        node.has("match") ? callMatch(node.get("match"), path + ".match") : CallMatch.ANY;
    BreakerScope scope = enumValue(node, path, "scope", BreakerScope.class, BreakerScope.TARGET);
    double failureRate =
        percentage(
            node, path, "failureRateThreshold", BreakerPolicy.DEFAULT_FAILURE_RATE_THRESHOLD);
    double slowRate =
        percentage(
            node, path, "slowCallRateThreshold", BreakerPolicy.DEFAULT_SLOW_CALL_RATE_THRESHOLD);
    Duration slowDuration =
        duration(node, path, "slowCallDuration", BreakerPolicy.DEFAULT_SLOW_CALL_DURATION);
    SlidingWindow window =
        node.has("slidingWindow")
            ? slidingWindow(node.get("slidingWindow"), path + ".slidingWindow")
            : SlidingWindow.DEFAULT;
    int minimumCalls = positiveInt(node, path, "minimumCalls", BreakerPolicy.DEFAULT_MINIMUM_CALLS);
    Duration wait =
        duration(node, path, "waitInOpenState", BreakerPolicy.DEFAULT_WAIT_IN_OPEN_STATE);
    int halfOpen =
        countUpTo(node, path, "halfOpenCalls", BreakerPolicy.DEFAULT_HALF_OPEN_CALLS, MAX_WINDOW);
    List<StatusCodeRange> codes = statusCodes(node, path);
    OnOpenAction onOpen =
        node.has("onOpen") ? onOpen(node.get("onOpen"), path + ".onOpen") : OnOpenAction.ERROR;
    boolean shadow = bool(node, path, "shadow", false);
    // Built even when parts are invalid, with their defaults, so later checks (duplicate names)
    // still run and report; the document as a whole is refused by read().
    return new BreakerPolicy(
        name,
        match == null ? CallMatch.ANY : match,
        scope == null ? BreakerScope.TARGET : scope,
        failureRate,
        slowRate,
        slowDuration,
        window == null ? SlidingWindow.DEFAULT : window,
        minimumCalls,
        wait,
        halfOpen,
        codes,
        onOpen == null ? OnOpenAction.ERROR : onOpen,
        shadow);
  }

  private CallMatch callMatch(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, CALL_MATCH_FIELDS);
    String host = glob(node, path, "host");
    Integer port = null;
    JsonNode portNode = node.get("port");
    if (portNode != null) {
      Integer value = wholeNumber(portNode);
      if (value == null || value < 1 || value > 65535) {
        error(path + ".port", "must be a whole number from 1 to 65535, not " + shown(portNode));
      } else {
        port = value;
      }
    }
    String method = glob(node, path, "method");
    String urlPath = glob(node, path, "path");
    if (asWritten) {
      // globs that no call can meet: the policy would guard nothing, and say nothing of it. Not
      // held against documents already stored, which agents would then refuse whole.
      unmatchable(path + ".host", host, CallTarget.hostProblem(host));
      unmatchable(path + ".path", urlPath, CallTarget.pathProblem(urlPath));
    }
    return new CallMatch(host, port, method, urlPath);
  }

  private void unmatchable(String path, String glob, String problem) {
    if (glob != null && problem != null && Glob.problem(glob) == null) {
      error(path, quote(glob) + " " + problem);
    }
  }

  private SlidingWindow slidingWindow(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, WINDOW_FIELDS);
    SlidingWindowType type =
        enumValue(node, path, "type", SlidingWindowType.class, SlidingWindowType.COUNT);
    int size = countUpTo(node, path, "size", SlidingWindow.DEFAULT.size(), MAX_WINDOW);
    return new SlidingWindow(type == null ? SlidingWindowType.COUNT : type, size);
  }

  private OnOpenAction onOpen(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, ON_OPEN_FIELDS);
    int errorsBefore = errors.size();
    OnOpenMode mode = enumValue(node, path, "mode", OnOpenMode.class, OnOpenMode.ERROR);
    boolean modeValid = errors.size() == errorsBefore;
    int status = OnOpenAction.DEFAULT_STATUS;
    JsonNode statusNode = node.get("status");
    if (statusNode != null) {
      Integer value = wholeNumber(statusNode);
      if (value == null || value < 100 || value > 599) {
        error(path + ".status", "must be an HTTP status from 100 to 599, not " + shown(statusNode));
      } else {
        status = value;
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    JsonNode headersNode = node.get("headers");
    if (headersNode != null && object(headersNode, path + ".headers")) {
      // header names ignore case: two spellings of one name are one header, which HTTP clients
      // would send twice or once, with either value, each in its own way
      Map<String, String> namesIgnoringCase = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = headersNode.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path + ".headers" + JsonPathSteps.member(e.getKey());
        if (!HEADER_NAME.matcher(e.getKey()).matches()) {
          keyError(p, quote(e.getKey()) + " is not a valid HTTP header name");
        } else {
          String earlier =
              namesIgnoringCase.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getKey());
          if (earlier != null) {
            keyError(
                p,
                quote(e.getKey())
                    + " is the header "
                    + quote(earlier)
                    + " again (header names ignore case): give it once");
          }
        }
        String problem = e.getValue().isTextual() ? headerValueProblem(e) : "must be a string";
        if (problem != null) {
          error(p, problem);
        } else {
          headers.put(e.getKey(), e.getValue().textValue());
        }
      }
    }
    String body = string(node, path, "body", "");
    if (mode == OnOpenMode.ERROR
        && modeValid
        && (node.has("status") || node.has("headers") || node.has("body"))) {
      error(path, "status, headers and body apply only with \"mode\": \"response\"");
    }
    return mode == OnOpenMode.RESPONSE
        ? new OnOpenAction(mode, status, headers, body)
        : OnOpenAction.ERROR; // what was given for a response is reported above, and dropped
  }

  /** Why an HTTP client would refuse a synthetic response's header value, or null. */
  private static String headerValueProblem(Map.Entry<String, JsonNode> header) {
    String value = header.getValue().textValue();
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      return "a header value may not contain line breaks";
    }
    if (!HEADER_VALUE.matcher(value).matches()) {
      return "a header value may hold only printable ASCII characters, spaces and tabs"
          + " (HTTP clients refuse others): "
          + quote(value);
    }
    return header.getKey().equalsIgnoreCase("Content-Type") ? contentTypeProblem(value) : null;
  }

  /**
   * Why a synthetic response's {@code Content-Type} would be refused by an HTTP client building it
   * (a media type {@code type/subtype}, and a charset the JVM knows), or null when it would not.
   */
  private static String contentTypeProblem(String value) {
    String[] parts = value.split(";");
    if (!MEDIA_TYPE.matcher(parts[0]).matches()) {
      return "must be a media type such as \"application/json; charset=utf-8\", not "
          + quote(value);
    }
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq < 0 || !parts[i].substring(0, eq).trim().equalsIgnoreCase("charset")) {
        continue;
      }
      String charset = parts[i].substring(eq + 1).trim();
      if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
        charset = charset.substring(1, charset.length() - 1);
      }
      boolean known;
      try {
        known = java.nio.charset.Charset.isSupported(charset);
      } catch (IllegalArgumentException e) {
        known = false;
      }
      if (!known) {
        return "names the charset " + quote(charset) + ", which is not a known charset";
      }
    }
    return null;
  }

  private List<StatusCodeRange> statusCodes(JsonNode node, String path) {
    JsonNode codes = node.get("failureStatusCodes");
    if (codes == null) {
      return BreakerPolicy.DEFAULT_FAILURE_STATUS_CODES;
    }
    String p = path + ".failureStatusCodes";
    if (!codes.isArray()) {
      error(p, "must be a list such as [\"5xx\", \"429\"]");
      return List.of();
    }
    List<StatusCodeRange> ranges = new ArrayList<>();
    for (int i = 0; i < codes.size(); i++) {
      JsonNode code = codes.get(i);
      Integer number = wholeNumber(code);
      String text = code.isTextual() ? code.textValue() : number != null ? number.toString() : null;
      StatusCodeRange range = text == null ? null : statusCodeRange(text);
      if (range != null) {
        ranges.add(range);
      } else if (text != null && isReversedRange(text)) {
        error(
            p + "[" + i + "]",
            quote(text) + " is an empty range: write the lower status first, e.g. 500-504");
      } else {
        error(
            p + "[" + i + "]",
            quote(text != null ? text : written(code))
                + " is not a status code: write NNN (503), Nxx (5xx) or NNN-NNN (500-504)"
                + " with statuses from 100 to 599");
      }
    }
    return ranges;
  }

  private static boolean isReversedRange(String text) {
    java.util.regex.Matcher m = STATUS_RANGE.matcher(text);
    return m.matches() && Integer.parseInt(m.group(1)) > Integer.parseInt(m.group(2));
  }

  /** The range a written status code denotes, or {@code null} when it is malformed. */
  static StatusCodeRange statusCodeRange(String text) {
    if (STATUS_SINGLE.matcher(text).matches()) {
      int code = Integer.parseInt(text);
      return new StatusCodeRange(code, code);
    }
    if (STATUS_CLASS.matcher(text).matches()) {
      int base = (text.charAt(0) - '0') * 100;
      return new StatusCodeRange(base, base + 99);
    }
    java.util.regex.Matcher m = STATUS_RANGE.matcher(text);
    if (m.matches()) {
      int from = Integer.parseInt(m.group(1));
      int to = Integer.parseInt(m.group(2));
      return from <= to ? new StatusCodeRange(from, to) : null;
    }
    return null;
  }

  // ---------------------------------------------------------------- field helpers

  private <T> List<T> list(
      JsonNode parent,
      String parentPath,
      String field,
      BiFunction<JsonNode, String, T> element,
      java.util.function.Function<T, String> name) {
    JsonNode node = parent.get(field);
    if (node == null) {
      return List.of();
    }
    String path = parentPath + "." + field;
    if (!node.isArray()) {
      error(path, "must be a list");
      return List.of();
    }
    List<T> items = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String p = path + "[" + i + "]";
      T item = element.apply(node.get(i), p);
      if (item != null) {
        String n = name.apply(item);
        if (!n.isEmpty() && !names.add(n)) {
          error(
              p + ".name", "duplicate name " + quote(n) + ": names must be unique within " + field);
        }
        items.add(item);
      }
    }
    return items;
  }

  /**
   * Why a sampling rule may not be named {@code name}, one of {@link SamplingRule#RESERVED_NAMES}.
   */
  private static String reservedName(String name) {
    String marked =
        SamplingRule.DEFAULT_RULE_NAME.equals(name)
            ? "the spans kept by defaultRatio when no rule matched"
            : "the spans that followed their parent's sampling decision";
    return "the name "
        + quote(name)
        + " is reserved: sluice.sampling.rule="
        + name
        + " marks "
        + marked
        + "; give the rule another name";
  }

  private String requiredName(JsonNode node, String path) {
    JsonNode name = node.get("name");
    if (name == null) {
      error(path + ".name", "is required");
      return "";
    }
    if (!name.isTextual()) {
      error(path + ".name", "must be a string, not " + kindOf(name));
      return "";
    }
    if (!NOT_WHITESPACE.matcher(name.textValue()).find()) {
      error(path + ".name", "may not be empty or only whitespace");
      return "";
    }
    // A name of invisible characters (U+200B, U+2060, U+FEFF) shows as no name wherever it is
    // shown, as a blank one would. Refused in documents being written only, as below.
    if (asWritten && name.textValue().codePoints().allMatch(DocumentReader::showsAsNothing)) {
      int invisible =
          name.textValue()
              .codePoints()
              .filter(c -> Character.getType(c) == Character.FORMAT)
              .findFirst()
              .orElseThrow();
      StringBuilder escaped = new StringBuilder();
      for (char c : Character.toChars(invisible)) {
        escaped.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
      error(
          path + ".name",
          "may not be only whitespace and invisible characters such as "
              + escaped
              + ": it would show as no name");
      return "";
    }
    int length = name.textValue().codePointCount(0, name.textValue().length());
    if (length > MAX_NAME_LENGTH) {
      // the length it has: a name cut by hand to "about" the limit is fixed in one go
      error(
          path + ".name", "may be at most " + MAX_NAME_LENGTH + " characters long, not " + length);
    }
    // A name goes into span attributes, metrics, rejections, log lines and the web UI, each of one
    // line, as written: an escaped ESC or line feed in it would start a terminal escape or a line
    // of its own there, a bidirectional control would show it as another name (see OneLineText).
    // Refused in documents being written only: one stored before this check stays readable.
    String problem = asWritten ? OneLineText.problem(name.textValue()) : null;
    if (problem != null) {
      error(path + ".name", problem);
    }
    return name.textValue();
  }

  private boolean object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      error(path, "must be an object" + (node == null ? "" : ", not " + kindOf(node)));
      return false;
    }
    return true;
  }

  private void knownFields(JsonNode node, String path, List<String> known) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        String suggestion = Suggestions.closest(name, known);
        error(
            path,
            "unknown field "
                // a backslash and a quote escaped as in a path's ['key'], so the name can be read
                // back from the message (the web UI finds the key by it) and ends at its quote
                + quote(name.replace("\\", "\\\\").replace("'", "\\'"))
                + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"),
            name);
      }
    }
  }

  private String string(JsonNode node, String path, String field, String fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isTextual()) {
      error(path + "." + field, "must be a string, not " + kindOf(value));
      return fallback;
    }
    return value.textValue();
  }

  private String glob(JsonNode node, String path, String field) {
    String value = string(node, path, field, null);
    if (value != null) {
      String problem = globProblem(value);
      if (problem != null) {
        error(path + "." + field, problem);
      }
    }
    return value;
  }

  /**
   * Why {@code glob} is refused, or null. A glob is shown as written in the web UI, history and
   * logs, as a name is: in a document being written it is held to {@link OneLineText} too, so a
   * line separator or bidirectional control cannot make a match read as another. Control characters
   * are the glob's own check, made on every read. Stored documents keep the rest (see {@link
   * #requiredName}).
   */
  private String globProblem(String glob) {
    String problem = Glob.problem(glob);
    if (problem == null && asWritten) {
      String oneLine = OneLineText.problem(glob);
      problem = oneLine == null ? null : "a glob " + oneLine;
    }
    return problem;
  }

  private boolean bool(JsonNode node, String path, String field, boolean fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isBoolean()) {
      error(path + "." + field, "must be true or false, not " + kindOf(value));
      return fallback;
    }
    return value.booleanValue();
  }

  private double ratio(JsonNode node, String path, String field, double fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber()) {
      error(path + "." + field, "must be a number from 0 to 1, not " + kindOf(value));
      return fallback;
    }
    if (isTiny(value)) {
      error(path + "." + field, TOO_SMALL);
      return fallback;
    }
    double d = value.doubleValue();
    if (!(d >= 0 && d <= 1)) {
      error(path + "." + field, "must be from 0 to 1, not " + shown(value));
      return fallback;
    }
    // -0 is 0 (and passes the check above): written back as -0.0 it would make a canonical form
    // that differs from 0's, so the same rules would count as changed
    return d == 0 ? 0.0 : d;
  }

  private double percentage(JsonNode node, String path, String field, double fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber()) {
      error(path + "." + field, "must be a number above 0 and at most 100, not " + kindOf(value));
      return fallback;
    }
    if (isTiny(value)) {
      // not TOO_SMALL's "write 0 for zero": a threshold of 0 is refused too
      error(
          path + "." + field,
          value.decimalValue().signum() > 0
              ? TOO_SMALL_FOR_A_FLOAT
              : "must be above 0 and at most 100, not " + shown(value));
      return fallback;
    }
    double d = value.doubleValue();
    if (d > 0 && (float) d == 0) {
      error(path + "." + field, TOO_SMALL_FOR_A_FLOAT);
      return fallback;
    }
    if (!(d > 0 && d <= 100)) {
      error(path + "." + field, "must be above 0 and at most 100, not " + shown(value));
      return fallback;
    }
    return d;
  }

  /**
   * Whether {@code value} is a number other than 0 that a double holds as 0 ({@code 1e-400}), which
   * the parse keeps exact ({@link TinyNumbersKept}).
   */
  private static boolean isTiny(JsonNode value) {
    return value.isBigDecimal() && value.decimalValue().signum() != 0 && value.doubleValue() == 0;
  }

  private int positiveInt(JsonNode node, String path, String field, int fallback) {
    return countUpTo(node, path, field, fallback, Integer.MAX_VALUE);
  }

  /** A whole number from 1 to {@code max}. */
  private int countUpTo(JsonNode node, String path, String field, int fallback, int max) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    Integer number = wholeNumber(value);
    if (number == null || number > max) {
      error(
          path + "." + field,
          "must be a whole number from 1 to "
              + max
              + ", not "
              + (value.isNumber() ? shown(value) : kindOf(value)));
      return fallback;
    }
    if (number < 1) {
      error(path + "." + field, "must be at least 1, not " + number);
      return fallback;
    }
    return number;
  }

  /**
   * The value as an {@code int} when it is a whole number in range, else {@code null}. Like JSON
   * Schema's {@code integer}, a number with a zero fraction ({@code 20.0}, {@code 2e1}) is whole.
   */
  private static Integer wholeNumber(JsonNode value) {
    if (!value.isNumber() || !value.canConvertToInt()) {
      return null;
    }
    if (value.isIntegralNumber() || value.canConvertToExactIntegral()) {
      return value.intValue();
    }
    return null;
  }

  private Duration duration(JsonNode node, String path, String field, Duration fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (value.isTextual() && Durations.isZero(value.textValue())) {
      error(path + "." + field, "must be longer than zero, not " + quote(value.textValue()));
      return fallback;
    }
    Duration d = value.isTextual() ? Durations.parse(value.textValue()) : null;
    if (d == null) {
      error(
          path + "." + field,
          quote(value.isTextual() ? value.textValue() : written(value))
              + " is not a duration: write a whole number (no leading zero; at most 12 digits"
              + " of ms, 9 of s, 8 of m, 6 of h) and ms, s, m or h, e.g. 250ms, 10s, 1m, 1h");
      return fallback;
    }
    return d;
  }

  private <E extends Enum<E>> E enumValue(
      JsonNode node, String path, String field, Class<E> type, E fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      String spelling = RuleCodec.enumName(e);
      // Exact spelling only, as the JSON Schema's enum: a value the schema accepts, the reader
      // accepts, and the other way round. A wrong case is answered with the right spelling.
      if (value.isTextual() && spelling.equals(value.textValue())) {
        return e;
      }
      allowed.add("'" + spelling + "'");
    }
    if (value.isTextual()) {
      String suggestion = Suggestions.closest(value.textValue(), RuleCodec.enumNames(type));
      error(
          path + "." + field,
          "unknown value "
              + quote(value.textValue())
              + (suggestion == null
                  ? "; use one of "
                  : "; did you mean '" + suggestion + "'? Use one of ")
              + String.join(", ", allowed));
    } else {
      error(
          path + "." + field,
          "must be one of " + String.join(", ", allowed) + ", not " + kindOf(value));
    }
    return fallback;
  }

  /**
   * Reports every string with a lone surrogate ({@code "\\ud800"}). A JSON escape can spell one,
   * but it is half of a character: UTF-8 cannot encode it, so the document written back (stored,
   * sent to the agents) would carry {@code ?} in its place, a different document from the one
   * validated.
   */
  private void loneSurrogates(JsonNode node, String path) {
    if (node.isTextual()) {
      int at = loneSurrogate(node.textValue());
      if (at >= 0) {
        error(path, notUnicode(node.textValue().charAt(at)));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        loneSurrogates(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isObject()) {
      // field names need no check: the parser refuses a lone surrogate in a name as malformed
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        loneSurrogates(field.getValue(), path + JsonPathSteps.member(field.getKey()));
      }
    }
  }

  private static String notUnicode(char surrogate) {
    return String.format(
        Locale.ROOT,
        "is not valid Unicode: \\u%04x is half of a surrogate pair, without its other half",
        (int) surrogate);
  }

  /** The index of the first surrogate without its pair in {@code text}, or -1. */
  static int loneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private void error(String path, String message) {
    error(path, message, null);
  }

  /**
   * An error about {@code field} of the object at {@code path}, reported at the object (and placed
   * in the text at the field's name).
   */
  private void error(String path, String message, String field) {
    errors.add(
        new PositionedError(
            order.position(path, field), new ValidationError(path, message), field, false));
  }

  /**
   * An error about the name of the member at {@code path} (an attribute key, a header name), not
   * its value: reported at the member, placed in the text at its name.
   */
  private void keyError(String path, String message) {
    errors.add(
        new PositionedError(
            order.position(path, null), new ValidationError(path, message), null, true));
  }

  /**
   * A validation error and where it points in the document, for sorting; {@code field} the member
   * of the object at its path it is about, or {@code null}; {@code atName} whether it is about the
   * name of the member at its path rather than its value (listed before a problem of the value, as
   * the name comes first in the text).
   */
  private record PositionedError(
      int[] position, ValidationError error, String field, boolean atName) {

    /** Document order; an error on an object comes before errors inside it. */
    static final java.util.Comparator<PositionedError> IN_DOCUMENT_ORDER =
        (a, b) -> java.util.Arrays.compare(a.position, b.position);
  }

  /**
   * A value from the document quoted for a message: the characters {@link OneLineText} forbids
   * written as {@link OneLineText#escape} writes them, so a message stays on one line and reads as
   * it is, and long values cut short.
   */
  static String quote(String value) {
    return "'" + OneLineText.escape(cut(value)) + "'";
  }

  /**
   * A value from the document as a message shows it after "not": a string in double quotes as JSON
   * writes it, a number as its JSON text, both cut short and escaped as {@link #quote} does, and
   * the kind of anything else (an object or a list, which may be large and hold any text).
   */
  /**
   * A value that is not text as JSON writes it, but a number as its text: one past a double's range
   * (1e400) is Infinity, not the string "Infinity" that was not written.
   */
  private static String written(JsonNode value) {
    return value.isNumber() ? value.asText() : value.toString();
  }

  private static String shown(JsonNode value) {
    if (value.isTextual()) {
      return OneLineText.escape(TextNode.valueOf(cut(value.textValue())).toString());
    }
    if (value.isNumber()) {
      // asText: a number past the range of a double (1e400), held as infinity, is Infinity, where
      // toString would write the string "Infinity", which was not written
      return cut(value.asText());
    }
    return kindOf(value);
  }

  /** {@code value} cut at {@value #MAX_QUOTED} characters, marked with "...". */
  private static String cut(String value) {
    if (value.length() <= MAX_QUOTED) {
      return value;
    }
    // never between the two halves of a surrogate pair: a lone half is not Unicode, and a message
    // holding one is written as '?' (or refused) wherever it is encoded
    int end =
        Character.isSurrogatePair(value.charAt(MAX_QUOTED - 1), value.charAt(MAX_QUOTED))
            ? MAX_QUOTED - 1
            : MAX_QUOTED;
    return value.substring(0, end) + "...";
  }

  private static String kindOf(JsonNode node) {
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isArray()) {
      return "a list";
    }
    return node.isObject() ? "an object" : node.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}

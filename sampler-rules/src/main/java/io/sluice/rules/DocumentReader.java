package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
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

  static final Pattern SERVICE_NAME = Pattern.compile("_default|[a-z0-9][a-z0-9._-]{0,62}");
  private static final Pattern STATUS_SINGLE = Pattern.compile("[1-5][0-9][0-9]");
  private static final Pattern STATUS_CLASS = Pattern.compile("[1-5]xx");
  private static final Pattern STATUS_RANGE =
      Pattern.compile("([1-5][0-9][0-9])-([1-5][0-9][0-9])");

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

  private final List<ValidationError> errors = new ArrayList<>();

  static ParseResult read(JsonNode root) {
    DocumentReader reader = new DocumentReader();
    RuleDocument document = reader.document(root);
    return reader.errors.isEmpty()
        ? ParseResult.valid(document)
        : ParseResult.invalid(reader.errors);
  }

  private RuleDocument document(JsonNode node) {
    if (!object(node, "$")) {
      return null;
    }
    knownFields(node, "$", ROOT_FIELDS);
    JsonNode version = node.get("schemaVersion");
    if (version == null) {
      error("$.schemaVersion", "is required and must be " + RuleDocument.SCHEMA_VERSION);
    } else if (!version.isInt() || version.intValue() != RuleDocument.SCHEMA_VERSION) {
      error(
          "$.schemaVersion",
          "unsupported schema version "
              + version
              + "; this version of Sluice reads schemaVersion "
              + RuleDocument.SCHEMA_VERSION);
    }
    String service = string(node, "$", "service", null);
    if (service == null && !node.has("service")) {
      error("$.service", "is required");
    } else if (service != null && !SERVICE_NAME.matcher(service).matches()) {
      error(
          "$.service",
          "'"
              + service
              + "' is not a service name: use 1 to 63 of a-z, 0-9, '.', '_', '-', starting with a"
              + " letter or digit, or '_default'");
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
        String p = path + ".attributes" + member(e.getKey());
        if (e.getKey().isEmpty()) {
          error(p, "an attribute key may not be empty");
        }
        JsonNode value = e.getValue();
        if (!value.isValueNode() || value.isNull()) {
          error(p, "must be a string glob, a number or a boolean");
          continue;
        }
        String text = value.asText();
        String problem = Glob.problem(text);
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
    int halfOpen = positiveInt(node, path, "halfOpenCalls", BreakerPolicy.DEFAULT_HALF_OPEN_CALLS);
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
      if (!portNode.isInt() || portNode.intValue() < 1 || portNode.intValue() > 65535) {
        error(path + ".port", "must be a whole number from 1 to 65535, not " + portNode);
      } else {
        port = portNode.intValue();
      }
    }
    String method = glob(node, path, "method");
    String urlPath = glob(node, path, "path");
    return new CallMatch(host, port, method, urlPath);
  }

  private SlidingWindow slidingWindow(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, WINDOW_FIELDS);
    SlidingWindowType type =
        enumValue(node, path, "type", SlidingWindowType.class, SlidingWindowType.COUNT);
    int size = positiveInt(node, path, "size", SlidingWindow.DEFAULT.size());
    return new SlidingWindow(type == null ? SlidingWindowType.COUNT : type, size);
  }

  private OnOpenAction onOpen(JsonNode node, String path) {
    if (!object(node, path)) {
      return null;
    }
    knownFields(node, path, ON_OPEN_FIELDS);
    OnOpenMode mode = enumValue(node, path, "mode", OnOpenMode.class, OnOpenMode.ERROR);
    int status = OnOpenAction.DEFAULT_STATUS;
    JsonNode statusNode = node.get("status");
    if (statusNode != null) {
      if (!statusNode.isInt() || statusNode.intValue() < 100 || statusNode.intValue() > 599) {
        error(path + ".status", "must be an HTTP status from 100 to 599, not " + statusNode);
      } else {
        status = statusNode.intValue();
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    JsonNode headersNode = node.get("headers");
    if (headersNode != null && object(headersNode, path + ".headers")) {
      Iterator<Map.Entry<String, JsonNode>> it = headersNode.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path + ".headers" + member(e.getKey());
        if (!e.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          error(p, "'" + e.getKey() + "' is not a valid HTTP header name");
        }
        if (!e.getValue().isTextual()) {
          error(p, "must be a string");
        } else if (e.getValue().textValue().chars().anyMatch(c -> c == '\r' || c == '\n')) {
          error(p, "a header value may not contain line breaks");
        } else {
          headers.put(e.getKey(), e.getValue().textValue());
        }
      }
    }
    String body = string(node, path, "body", "");
    if (mode == OnOpenMode.ERROR
        && (node.has("status") || node.has("headers") || node.has("body"))) {
      error(path, "status, headers and body apply only with \"mode\": \"response\"");
    }
    return new OnOpenAction(mode == null ? OnOpenMode.ERROR : mode, status, headers, body);
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
      String text = code.isTextual() || code.isInt() ? code.asText() : null;
      StatusCodeRange range = text == null ? null : statusCodeRange(text);
      if (range == null) {
        error(
            p + "[" + i + "]",
            "'"
                + (text == null ? code.toString() : text)
                + "' is not a status code: write NNN (503), Nxx (5xx) or NNN-NNN (500-504)");
      } else {
        ranges.add(range);
      }
    }
    return ranges;
  }

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
          error(p + ".name", "duplicate name '" + n + "': names must be unique within " + field);
        }
        items.add(item);
      }
    }
    return items;
  }

  private String requiredName(JsonNode node, String path) {
    JsonNode name = node.get("name");
    if (name == null) {
      error(path + ".name", "is required");
      return "";
    }
    if (!name.isTextual() || name.textValue().isBlank()) {
      error(path + ".name", "must be a non-empty string");
      return "";
    }
    if (name.textValue().length() > 128) {
      error(path + ".name", "may be at most 128 characters long");
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
            "unknown field '"
                + name
                + "'"
                + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"));
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
      String problem = Glob.problem(value);
      if (problem != null) {
        error(path + "." + field, problem);
      }
    }
    return value;
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
    double d = value.doubleValue();
    if (!(d >= 0 && d <= 1)) {
      error(path + "." + field, "must be from 0 to 1, not " + value);
      return fallback;
    }
    return d;
  }

  private double percentage(JsonNode node, String path, String field, double fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber()) {
      error(path + "." + field, "must be a percentage above 0 and up to 100, not " + kindOf(value));
      return fallback;
    }
    double d = value.doubleValue();
    if (!(d > 0 && d <= 100)) {
      error(path + "." + field, "must be above 0 and at most 100, not " + value);
      return fallback;
    }
    return d;
  }

  private int positiveInt(JsonNode node, String path, String field, int fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      error(path + "." + field, "must be a whole number, not " + kindOf(value));
      return fallback;
    }
    if (value.intValue() < 1) {
      error(path + "." + field, "must be at least 1, not " + value.intValue());
      return fallback;
    }
    return value.intValue();
  }

  private Duration duration(JsonNode node, String path, String field, Duration fallback) {
    JsonNode value = node.get(field);
    if (value == null) {
      return fallback;
    }
    Duration d = value.isTextual() ? Durations.parse(value.textValue()) : null;
    if (d == null) {
      error(
          path + "." + field,
          "'"
              + (value.isTextual() ? value.textValue() : value.toString())
              + "' is not a duration: write a whole number and ms, s, m or h (250ms, 10s, 1m, 1h)");
      return fallback;
    }
    if (d.isZero()) {
      error(path + "." + field, "must be longer than zero");
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
      allowed.add(RuleCodec.enumName(e));
    }
    if (value.isTextual()) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(value.textValue())) {
          return e;
        }
      }
    }
    error(
        path + "." + field,
        "unknown value "
            + value
            + "; use one of "
            + String.join(", ", allowed.stream().map(a -> "'" + a + "'").toList()));
    return fallback;
  }

  private void error(String path, String message) {
    errors.add(new ValidationError(path, message));
  }

  private static String member(String key) {
    return key.matches("[A-Za-z_][A-Za-z0-9_]*")
        ? "." + key
        : "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
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

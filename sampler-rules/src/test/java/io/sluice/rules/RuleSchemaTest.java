package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The shipped JSON Schema, the records and the reader describe the same language. */
class RuleSchemaTest {

  private static final JsonNode SCHEMA = RuleSchemaValidator.schemaNode();

  @Test
  void schemaIsAValidDraft202012Schema() throws Exception {
    assertThat(SCHEMA.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(RuleSchemaValidator.metaSchemaProblems()).isEmpty();
  }

  /**
   * The web UI tells a value that fails a pattern by the pattern's description: every pattern has
   * one beside it, so no user is shown a raw regular expression.
   */
  @Test
  void everyPatternIsDescribedInWords() {
    List<String> undescribed = new ArrayList<>();
    collectUndescribedPatterns(SCHEMA, "#", undescribed);
    assertThat(undescribed).isEmpty();
  }

  private static void collectUndescribedPatterns(JsonNode node, String path, List<String> out) {
    if (node.isObject()) {
      if (node.has("pattern") && !node.path("description").isTextual()) {
        out.add(path);
      }
      node.properties()
          .forEach(e -> collectUndescribedPatterns(e.getValue(), path + "/" + e.getKey(), out));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectUndescribedPatterns(node.get(i), path + "/" + i, out);
      }
    }
  }

  @Test
  void schemaIsOnTheClasspathUnderItsDocumentedName() {
    assertThat(RuleSchema.class.getClassLoader().getResource(RuleSchema.RESOURCE)).isNotNull();
    assertThat(RuleSchema.json()).contains("\"title\": \"Sluice rule document v1\"");
  }

  /**
   * The schema cannot name SamplingRule.RESERVED_NAMES: it spells them, and must spell them all.
   */
  @Test
  void theSchemaRefusesExactlyTheReservedRuleNames() {
    JsonNode refused = SCHEMA.at("/$defs/samplingRule/properties/name/not/enum");
    List<String> names = new ArrayList<>();
    refused.forEach(n -> names.add(n.asText()));
    assertThat(names).containsExactlyElementsOf(SamplingRule.RESERVED_NAMES);
  }

  @Test
  void everyRecordComponentIsASchemaPropertyAndTheOtherWayRound() {
    List<String> mismatches = new ArrayList<>();
    compare(RuleDocument.class, SCHEMA, "$", mismatches, new HashSet<>());
    assertThat(mismatches).isEmpty();
  }

  /**
   * Walks a record and the schema object it maps to in step: same property names, the same JSON
   * type for every component, closed objects, and recursion into nested records.
   */
  private static void compare(
      Class<?> record, JsonNode schema, String path, List<String> mismatches, Set<Class<?>> seen) {
    if (!seen.add(record)) {
      return;
    }
    JsonNode object = resolve(schema);
    if (!object.path("additionalProperties").isBoolean()
        || object.path("additionalProperties").booleanValue()) {
      mismatches.add(path + ": the schema of " + record.getSimpleName() + " is not closed");
    }
    Set<String> components = new TreeSet<>();
    for (RecordComponent c : record.getRecordComponents()) {
      components.add(c.getName());
    }
    Set<String> properties = new TreeSet<>();
    object.path("properties").fieldNames().forEachRemaining(properties::add);
    for (String c : components) {
      if (!properties.contains(c)) {
        mismatches.add(path + ": " + record.getSimpleName() + "." + c + " is not in the schema");
      }
    }
    for (String p : properties) {
      if (!components.contains(p)) {
        mismatches.add(path + "." + p + ": in the schema but not in " + record.getSimpleName());
      }
    }
    for (RecordComponent c : record.getRecordComponents()) {
      JsonNode property = object.path("properties").get(c.getName());
      if (property != null) {
        compareType(c.getGenericType(), property, path + "." + c.getName(), mismatches, seen);
      }
    }
  }

  private static void compareType(
      Type type, JsonNode schema, String path, List<String> mismatches, Set<Class<?>> seen) {
    JsonNode resolved = resolve(schema);
    if (type instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type argument = p.getActualTypeArguments()[p.getActualTypeArguments().length - 1];
      if (raw == List.class) {
        expectType(resolved, "array", path, mismatches);
        compareType(argument, resolved.path("items"), path + "[]", mismatches, seen);
      } else if (raw == Map.class) {
        expectType(resolved, "object", path, mismatches);
        if (!resolved.path("additionalProperties").isObject()) {
          mismatches.add(path + ": a map needs a schema for its values");
        }
      } else {
        mismatches.add(path + ": no mapping for " + type);
      }
      return;
    }
    Class<?> c = (Class<?>) type;
    if (c.isRecord() && c != StatusCodeRange.class) {
      compare(c, schema, path, mismatches, seen);
    } else if (c.isEnum()) {
      List<String> expected = names(c);
      List<String> actual = new ArrayList<>();
      resolved.path("enum").forEach(v -> actual.add(v.asText()));
      if (!actual.equals(expected)) {
        mismatches.add(path + ": enum " + actual + " but the reader accepts " + expected);
      }
    } else if (c == int.class || c == Integer.class) {
      expectType(resolved, "integer", path, mismatches);
    } else if (c == double.class) {
      expectType(resolved, "number", path, mismatches);
    } else if (c == boolean.class) {
      expectType(resolved, "boolean", path, mismatches);
    } else if (c == String.class || c == Duration.class) {
      expectType(resolved, "string", path, mismatches);
    } else if (c == StatusCodeRange.class) {
      if (!resolved.has("anyOf")) {
        mismatches.add(path + ": status codes are strings or numbers");
      }
    } else {
      mismatches.add(path + ": no mapping for " + c);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<String> names(Class<?> enumType) {
    return RuleCodec.enumNames((Class) enumType);
  }

  private static void expectType(JsonNode schema, String type, String path, List<String> out) {
    if (!schema.path("type").asText().equals(type)) {
      out.add(path + ": the schema says " + schema.path("type") + ", the record has " + type);
    }
  }

  /** Follows a local {@code $ref}. */
  private static JsonNode resolve(JsonNode schema) {
    JsonNode node = schema;
    while (node.has("$ref")) {
      String ref = node.get("$ref").asText();
      assertThat(ref).startsWith("#/");
      node = SCHEMA.at(ref.substring(1));
      assertThat(node.isMissingNode()).as("dangling %s", ref).isFalse();
    }
    return node;
  }

  @ParameterizedTest
  @FieldSource("io.sluice.rules.Examples#NAMES")
  void exampleValidatesAgainstSchemaAndCodec(String example) {
    String json = Examples.read(example);
    assertThat(RuleSchemaValidator.problems(json)).isEmpty();
    assertThat(RuleCodec.parse(json).errors()).isEmpty();
  }

  @ParameterizedTest
  @FieldSource("io.sluice.rules.Examples#NAMES")
  void exampleRoundTripsAndItsWrittenFormValidatesAgainstSchema(String example) {
    RuleDocument document = RuleCodec.parse(Examples.read(example)).orElseThrow();
    String written = RuleCodec.write(document);
    assertThat(RuleCodec.parse(written).document()).isEqualTo(document);
    assertThat(RuleSchemaValidator.problems(written)).isEmpty();
  }

  @Test
  void documentWithEveryFieldValidatesAgainstSchemaAndCodec() {
    String json =
        """
        {"schemaVersion": 1, "service": "every-field",
         "sampling": {"defaultRatio": 0.5, "respectParentDecision": false,
           "rules": [{"name": "r", "ratio": 0.3, "maxPerSecond": 7,
             "match": {"spanName": "GET /a/*/b/**", "spanKind": "CLIENT",
                       "attributes": {"k": "v*", "n": 200, "b": true}}}]},
         "breakers": [{"name": "b",
           "match": {"host": "h*", "port": 443, "method": "GET", "path": "/x/**"},
           "scope": "rule", "failureRateThreshold": 12.5, "slowCallRateThreshold": 100,
           "slowCallDuration": "250ms", "slidingWindow": {"type": "TIME", "size": 60},
           "minimumCalls": 1, "waitInOpenState": "1h", "halfOpenCalls": 1,
           "failureStatusCodes": ["5xx", "429", "500-504", 418],
           "onOpen": {"mode": "response", "status": 429, "headers": {"Retry-After": "1"},
                      "body": ""},
           "shadow": true}]}
        """;
    assertThat(RuleSchemaValidator.problems(json)).isEmpty();
    assertThat(RuleCodec.parse(json).errors()).isEmpty();
  }

  /** Every default the schema announces is the value the writer spells out for a missing field. */
  @Test
  void schemaDefaultsAreWhatTheWriterSpellsOut() {
    JsonNode written =
        read(
            RuleCodec.write(
                RuleCodec.parse(
                        """
                        {"schemaVersion": 1, "service": "s",
                         "breakers": [{"name": "a"}, {"name": "b", "onOpen": {"mode": "response"}}]}
                        """)
                    .orElseThrow()));
    JsonNode breaker = written.path("breakers").get(0);
    JsonNode responding = written.path("breakers").get(1);
    List<String> checked = new ArrayList<>();
    checkDefaults("breakerPolicy", breaker, checked);
    checkDefaults("samplingPolicy", written.path("sampling"), checked);
    checkDefaults("slidingWindow", breaker.path("slidingWindow"), checked);
    checkDefaults("onOpenAction", responding.path("onOpen"), checked);
    assertThat(SCHEMA.at("/$defs/onOpenAction/default")).isEqualTo(breaker.path("onOpen"));
    assertThat(SCHEMA.at("/$defs/onOpenAction/properties/mode/default").asText())
        .isEqualTo(breaker.path("onOpen").path("mode").asText());
    assertThat(SCHEMA.at("/properties/breakers/default")).isEqualTo(read("[]"));
    assertThat(SCHEMA.at("/$defs/samplingPolicy/default")).isEqualTo(written.path("sampling"));
    assertThat(SCHEMA.at("/$defs/slidingWindow/default")).isEqualTo(breaker.path("slidingWindow"));
    assertThat(checked)
        .contains(
            "breakerPolicy.scope",
            "breakerPolicy.failureStatusCodes",
            "breakerPolicy.slowCallDuration",
            "onOpenAction.status",
            "samplingPolicy.defaultRatio");
  }

  private static void checkDefaults(String def, JsonNode written, List<String> checked) {
    JsonNode properties = SCHEMA.at("/$defs/" + def + "/properties");
    Iterator<Map.Entry<String, JsonNode>> it = properties.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> p = it.next();
      JsonNode expected = p.getValue().get("default");
      if (expected == null || (def.equals("onOpenAction") && p.getKey().equals("mode"))) {
        continue;
      }
      JsonNode actual = written.get(p.getKey());
      assertThat(actual).as("%s.%s is written", def, p.getKey()).isNotNull();
      if (expected.isNumber()) {
        assertThat(actual.doubleValue())
            .as("%s.%s", def, p.getKey())
            .isEqualTo(expected.doubleValue());
      } else {
        assertThat(actual).as("%s.%s", def, p.getKey()).isEqualTo(expected);
      }
      checked.add(def + "." + p.getKey());
    }
  }

  @Test
  void enumSpellingsAreCaseSensitiveInBothSchemaAndCodec() {
    String json =
        """
        {"schemaVersion": 1, "service": "s",
         "sampling": {"rules": [{"name": "r", "ratio": 1, "match": {"spanKind": "server"}}]}}
        """;
    assertThat(RuleSchemaValidator.problems(json)).hasSize(1);
    assertThat(RuleCodec.parse(json).errors())
        .containsExactly(
            new ValidationError(
                "$.sampling.rules[0].match.spanKind",
                "unknown value 'server'; did you mean 'SERVER'? Use one of 'INTERNAL', 'SERVER',"
                    + " 'CLIENT', 'PRODUCER', 'CONSUMER'",
                2,
                73));
  }

  @Test
  void durationPatternIsTheReadersPattern() {
    assertThat(SCHEMA.at("/$defs/duration/pattern").asText()).isEqualTo(Durations.PATTERN);
  }

  /**
   * A name must hold a character that shows as something: the schema's pattern lists in a regex
   * what the reader of a document being written tells in Java (whitespace, and Unicode's format
   * characters). They agree on every character of the Basic Multilingual Plane this Java knows (one
   * it does not know yet may be listed for a newer one). Format characters beyond it (the tag
   * characters) only the reader refuses: a pattern cannot name them in a way ECMA-262 without its
   * {@code u} flag reads alike.
   */
  @Test
  void nameVisibilityPatternAgreesWithTheReaderOnEveryCharacterOfTheBasicPlane() {
    java.util.regex.Pattern visible =
        java.util.regex.Pattern.compile(SCHEMA.at("/$defs/name/pattern").asText());
    List<String> disagreements = new ArrayList<>();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      if (Character.isSurrogate(c) || Character.getType(c) == Character.UNASSIGNED) {
        continue;
      }
      if (visible.matcher(String.valueOf(c)).find() == DocumentReader.showsAsNothing(c)) {
        disagreements.add(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    assertThat(disagreements).isEmpty();
    // two format characters this Java does not know yet, which the schema lists: refused alike
    assertThat(DocumentReader.showsAsNothing(0x0890)).isTrue();
    assertThat(visible.matcher("\u0891").find()).isFalse();
    assertThat(DocumentReader.showsAsNothing(0x0891)).isTrue();
    // and the reader's check of every read still knows whitespace alone
    assertThat(DocumentReader.NOT_WHITESPACE.matcher("\u200b").matches()).isTrue();
    assertThat(DocumentReader.NOT_WHITESPACE.matcher("\u3000").matches()).isFalse();
  }

  static Stream<Arguments> invalidDocuments() {
    return Stream.of(
        invalid("missing schemaVersion", "{\"service\": \"s\"}"),
        invalid("schemaVersion 2", "{\"schemaVersion\": 2, \"service\": \"s\"}"),
        invalid("schemaVersion as string", "{\"schemaVersion\": \"1\", \"service\": \"s\"}"),
        invalid("missing service", "{\"schemaVersion\": 1}"),
        invalid("service with a space", doc("\"service\": \"Orders API\"")),
        invalid("service too long", doc("\"service\": \"" + "a".repeat(64) + "\"")),
        invalid("unknown root field", doc("\"servce\": \"s\"")),
        invalid("not an object", "[]"),
        invalid("sampling is a list", doc("\"sampling\": []")),
        invalid("defaultRatio above 1", doc("\"sampling\": {\"defaultRatio\": 1.5}")),
        invalid("defaultRatio negative", doc("\"sampling\": {\"defaultRatio\": -0.1}")),
        invalid(
            "respectParentDecision string",
            doc("\"sampling\": {\"respectParentDecision\": \"yes\"}")),
        invalid("rule without ratio", rule("\"name\": \"r\"")),
        invalid("rule without name", rule("\"ratio\": 1")),
        invalid("rule with blank name", rule("\"name\": \" \\t\", \"ratio\": 1")),
        invalid("rule name too long", rule("\"name\": \"" + "n".repeat(129) + "\", \"ratio\": 1")),
        invalid("maxPerSecond zero", rule("\"name\": \"r\", \"ratio\": 1, \"maxPerSecond\": 0")),
        invalid(
            "maxPerSecond fraction", rule("\"name\": \"r\", \"ratio\": 1, \"maxPerSecond\": 1.5")),
        invalid(
            "spanKind lower case",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanKind\": \"server\"}")),
        invalid(
            "empty span name glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"\"}")),
        invalid(
            "triple star glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"a***\"}")),
        invalid(
            "control character in glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"a\\u0007\"}")),
        invalid(
            "attribute value object",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\": {}}}")),
        invalid(
            "empty attribute key",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"\": \"v\"}}")),
        invalid("breaker without name", breaker("\"shadow\": true")),
        invalid(
            "failureRateThreshold zero", breaker("\"name\": \"b\", \"failureRateThreshold\": 0")),
        invalid(
            "slowCallRateThreshold above 100",
            breaker("\"name\": \"b\", \"slowCallRateThreshold\": 100.5")),
        invalid("scope upper case", breaker("\"name\": \"b\", \"scope\": \"RULE\"")),
        invalid("port zero", breaker("\"name\": \"b\", \"match\": {\"port\": 0}")),
        invalid("port too large", breaker("\"name\": \"b\", \"match\": {\"port\": 65536}")),
        invalid("window size zero", breaker("\"name\": \"b\", \"slidingWindow\": {\"size\": 0}")),
        invalid(
            "window type lower case",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"type\": \"count\"}")),
        invalid("negative minimumCalls", breaker("\"name\": \"b\", \"minimumCalls\": -1")),
        invalid(
            "halfOpenCalls too large", breaker("\"name\": \"b\", \"halfOpenCalls\": 2147483648")),
        invalid("duration without unit", breaker("\"name\": \"b\", \"waitInOpenState\": \"10\"")),
        invalid("duration zero", breaker("\"name\": \"b\", \"waitInOpenState\": \"0s\"")),
        invalid("duration leading zero", breaker("\"name\": \"b\", \"waitInOpenState\": \"010s\"")),
        invalid("duration as number", breaker("\"name\": \"b\", \"slowCallDuration\": 10")),
        invalid(
            "duration with trailing newline",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"10s\\n\"")),
        invalid("status code 600", breaker("\"name\": \"b\", \"failureStatusCodes\": [\"600\"]")),
        invalid("status class 6xx", breaker("\"name\": \"b\", \"failureStatusCodes\": [\"6xx\"]")),
        invalid(
            "status class upper case",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"5XX\"]")),
        invalid("status number 99", breaker("\"name\": \"b\", \"failureStatusCodes\": [99]")),
        invalid(
            "status codes not a list", breaker("\"name\": \"b\", \"failureStatusCodes\": \"5xx\"")),
        invalid(
            "onOpen mode unknown",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"fallback\"}")),
        invalid(
            "onOpen status with mode error",
            breaker("\"name\": \"b\", \"onOpen\": {\"status\": 503}")),
        invalid(
            "onOpen status 700",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"status\": 700}")),
        invalid(
            "header name with space",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\": {\"X A\":"
                    + " \"1\"}}")),
        invalid(
            "header value with line break",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\","
                    + " \"headers\": {\"X\": \"a\\r\\nb\"}}")),
        invalid(
            "header value number",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\": {\"X\": 1}}")),
        invalid(
            "body not a string",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"body\": {}}")),
        invalid("shadow as string", breaker("\"name\": \"b\", \"shadow\": \"true\"")),
        invalid("unknown breaker field", breaker("\"name\": \"b\", \"falureRateThreshold\": 5")));
  }

  @ParameterizedTest
  @MethodSource("invalidDocuments")
  void invalidDocumentIsRejectedByBothSchemaAndCodec(String json) {
    assertThat(RuleSchemaValidator.problems(json)).as("schema").isNotEmpty();
    assertThat(RuleCodec.parse(json).errors()).as("codec").isNotEmpty();
  }

  /**
   * Checks made of documents being written only (stored ones stay readable, see {@link
   * RuleCodec#parseFor}): the schema, which the web UI's editor checks drafts against, makes them.
   */
  static Stream<Arguments> invalidWhenWritten() {
    return Stream.of(
        invalid("reserved rule name default", rule("\"name\": \"default\", \"ratio\": 1")),
        invalid("reserved rule name parent", rule("\"name\": \"parent\", \"ratio\": 0")),
        invalid("control character in rule name", rule("\"name\": \"a\\u0007\", \"ratio\": 1")),
        invalid("tab in rule name", rule("\"name\": \"a\\tb\", \"ratio\": 1")),
        invalid("C1 control in breaker name", breaker("\"name\": \"b\\u0085\"")),
        invalid("line separator in rule name", rule("\"name\": \"a\\u2028b\", \"ratio\": 1")),
        invalid("paragraph separator in breaker name", breaker("\"name\": \"b\\u2029\"")),
        invalid("right-to-left override in breaker name", breaker("\"name\": \"b\\u202e\"")),
        invalid("first strong isolate in rule name", rule("\"name\": \"\\u2068a\", \"ratio\": 1")),
        invalid("left-to-right mark in breaker name", breaker("\"name\": \"b\\u200e\"")),
        invalid("zero width space as rule name", rule("\"name\": \"\\u200b\", \"ratio\": 1")),
        invalid("word joiner and space as breaker name", breaker("\"name\": \"\\u2060 \"")),
        invalid("byte order mark as breaker name", breaker("\"name\": \"\\ufeff\\u200d\"")),
        invalid("Arabic letter mark in breaker name", breaker("\"name\": \"b\\u061c\"")),
        invalid(
            "right-to-left override in span name glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"a\\u202e*\"}")),
        invalid(
            "line separator in attribute value glob",
            rule(
                "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\":"
                    + " \"\\u2028\"}}")),
        invalid(
            "isolate in attribute key",
            rule(
                "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\\u2066\":"
                    + " \"v\"}}")),
        invalid(
            "control character in attribute key",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\\n\": \"v\"}}")),
        invalid(
            "left-to-right mark in host glob",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"h\\u200e\"}")),
        invalid(
            "paragraph separator in path glob",
            breaker("\"name\": \"b\", \"match\": {\"path\": \"/a\\u2029\"}")),
        invalid(
            "path glob without its slash",
            breaker("\"name\": \"b\", \"match\": {\"path\": \"pay/**\"}")),
        invalid(
            "path glob with a query", breaker("\"name\": \"b\", \"match\": {\"path\": \"/a?b\"}")),
        invalid(
            "Arabic letter mark in method glob",
            breaker("\"name\": \"b\", \"match\": {\"method\": \"GET\\u061c\"}")));
  }

  @ParameterizedTest
  @MethodSource("invalidWhenWritten")
  void documentInvalidWhenWrittenIsRejectedByBothSchemaAndTheWritesCodec(String json) {
    assertThat(RuleSchemaValidator.problems(json)).as("schema").isNotEmpty();
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors())
        .as("codec")
        .isNotEmpty();
  }

  /** What JSON Schema cannot express: the reader alone rejects these, the schema lets them by. */
  static Stream<Arguments> readerOnlyChecks() {
    return Stream.of(
        invalid(
            "duplicate rule names",
            doc(
                "\"sampling\": {\"rules\": [{\"name\": \"r\", \"ratio\": 1},"
                    + " {\"name\": \"r\", \"ratio\": 0}]}")),
        invalid(
            "duplicate breaker names", doc("\"breakers\": [{\"name\": \"b\"}, {\"name\": \"b\"}]")),
        invalid(
            "reversed status range",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"504-500\"]")),
        invalid(
            "attribute value past the range of a double",
            rule(
                "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\":" + " 1e400}}")),
        invalid(
            "ratio nearer to 0 than the smallest double",
            doc("\"sampling\": {\"defaultRatio\": 1e-400}")),
        invalid(
            "threshold nearer to 0 than the smallest float",
            breaker("\"name\": \"b\", \"failureRateThreshold\": 1e-46")),
        invalid(
            "host with a port (in a document being written)",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"h:80\"}")),
        invalid(
            "one header name in two spellings",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\","
                    + " \"headers\": {\"X-A\": \"1\", \"x-a\": \"2\"}}")));
  }

  @ParameterizedTest
  @MethodSource("readerOnlyChecks")
  void checksBeyondJsonSchemaAreMadeByTheReader(String json) {
    assertThat(RuleSchemaValidator.problems(json)).isEmpty();
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors()).hasSize(1);
  }

  private static Arguments invalid(String name, String json) {
    return Arguments.of(Named.of(name, json));
  }

  /**
   * The schema's patterns for names, globs and attribute keys repeat {@link OneLineText}'s list of
   * characters (a JSON Schema cannot call Java): around every forbidden character and at each edge
   * of its ranges, the schema refuses exactly what {@code OneLineText} forbids.
   */
  @Test
  void namesGlobsAndAttributeKeysRefuseExactlyTheCharactersOneLineTextForbids() {
    TreeSet<Character> candidates = new TreeSet<>();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      if (OneLineText.forbidden(c)) {
        candidates.add(c);
        candidates.add((char) (c - 1));
        candidates.add((char) (c + 1));
      }
    }
    candidates.removeIf(c -> Character.isSurrogate(c) || c == '"' || c == '\\');
    List<String> disagreements = new ArrayList<>();
    for (char c : candidates) {
      String escaped = String.format(Locale.ROOT, "\\u%04x", (int) c);
      Map<String, String> documents =
          Map.of(
              "name",
              rule("\"name\": \"a" + escaped + "b\", \"ratio\": 1"),
              "glob",
              rule(
                  "\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"a"
                      + escaped
                      + "b\"}"),
              "attribute key",
              rule(
                  "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k"
                      + escaped
                      + "\": \"v\"}}"));
      documents.forEach(
          (field, json) -> {
            boolean refused = !RuleSchemaValidator.problems(json).isEmpty();
            if (refused != OneLineText.forbidden(c)) {
              disagreements.add(field + " with " + escaped + (refused ? " refused" : " accepted"));
            }
          });
    }
    assertThat(candidates).hasSizeGreaterThan(80);
    assertThat(disagreements).isEmpty();
  }

  static String doc(String fields) {
    return "{\"schemaVersion\": 1, \"service\": \"s\", " + fields + "}";
  }

  static String rule(String fields) {
    return doc("\"sampling\": {\"rules\": [{" + fields + "}]}");
  }

  static String breaker(String fields) {
    return doc("\"breakers\": [{" + fields + "}]");
  }

  private static JsonNode read(String json) {
    try {
      return RuleSchemaValidator.JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}

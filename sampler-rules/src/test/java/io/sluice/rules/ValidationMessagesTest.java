package io.sluice.rules;

import static io.sluice.rules.RuleSchemaTest.breaker;
import static io.sluice.rules.RuleSchemaTest.doc;
import static io.sluice.rules.RuleSchemaTest.rule;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every message the reader gives, word for word, with its JSON path. */
class ValidationMessagesTest {

  private static final String SPAN_KINDS = "'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'";
  private static final String NOT_A_STATUS =
      " is not a status code: write NNN (503), Nxx (5xx) or NNN-NNN (500-504) with statuses from"
          + " 100 to 599";
  private static final String NOT_A_DURATION =
      " is not a duration: write a whole number (no leading zero; at most 12 digits of ms, 9 of s,"
          + " 8 of m, 6 of h) and ms, s, m or h, e.g. 250ms, 10s, 1m, 1h";
  private static final String TOO_SMALL =
      "is too small a number: a double holds it as 0 (nothing but 0 is nearer to 0 than about"
          + " 4.9e-324 either way); write 0 for zero";
  private static final String NOT_A_SERVICE =
      " is not a service name: use 1 to 63 of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter"
          + " or digit, or '_default'";

  static Stream<Arguments> invalidDocuments() {
    return Stream.of(
        // ratios
        c(
            "defaultRatio above 1",
            doc("\"sampling\": {\"defaultRatio\": 1.5}"),
            "$.sampling.defaultRatio: must be from 0 to 1, not 1.5"),
        c(
            "rule ratio negative",
            rule("\"name\": \"r\", \"ratio\": -0.25"),
            "$.sampling.rules[0].ratio: must be from 0 to 1, not -0.25"),
        c(
            "ratio huge exponent",
            rule("\"name\": \"r\", \"ratio\": 1e400"),
            "$.sampling.rules[0].ratio: must be from 0 to 1, not Infinity"),
        c(
            "ratio as string",
            rule("\"name\": \"r\", \"ratio\": \"0.5\""),
            "$.sampling.rules[0].ratio: must be a number from 0 to 1, not a string"),
        // sizes
        c(
            "window size zero",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"size\": 0}"),
            "$.breakers[0].slidingWindow.size: must be at least 1, not 0"),
        c(
            "minimumCalls negative",
            breaker("\"name\": \"b\", \"minimumCalls\": -3"),
            "$.breakers[0].minimumCalls: must be at least 1, not -3"),
        c(
            "halfOpenCalls zero written 0.0",
            breaker("\"name\": \"b\", \"halfOpenCalls\": 0.0"),
            "$.breakers[0].halfOpenCalls: must be at least 1, not 0"),
        c(
            "maxPerSecond fraction",
            rule("\"name\": \"r\", \"ratio\": 1, \"maxPerSecond\": 2.5"),
            "$.sampling.rules[0].maxPerSecond: must be a whole number from 1 to 2147483647, not"
                + " 2.5"),
        c(
            "maxPerSecond beyond int",
            rule("\"name\": \"r\", \"ratio\": 1, \"maxPerSecond\": 2147483648"),
            "$.sampling.rules[0].maxPerSecond: must be a whole number from 1 to 2147483647, not"
                + " 2147483648"),
        c(
            "window size as string",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"size\": \"20\"}"),
            "$.breakers[0].slidingWindow.size: must be a whole number from 1 to 1000, not a"
                + " string"),
        // thresholds
        c(
            "failureRateThreshold zero",
            breaker("\"name\": \"b\", \"failureRateThreshold\": 0"),
            "$.breakers[0].failureRateThreshold: must be above 0 and at most 100, not 0"),
        c(
            "slowCallRateThreshold above 100",
            breaker("\"name\": \"b\", \"slowCallRateThreshold\": 100.01"),
            "$.breakers[0].slowCallRateThreshold: must be above 0 and at most 100, not 100.01"),
        c(
            "threshold as boolean",
            breaker("\"name\": \"b\", \"failureRateThreshold\": true"),
            "$.breakers[0].failureRateThreshold: must be a number above 0 and at most 100, not a"
                + " boolean"),
        // enums
        c(
            "unknown span kind",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanKind\": \"FOO\"}"),
            "$.sampling.rules[0].match.spanKind: unknown value 'FOO'; use one of " + SPAN_KINDS),
        c(
            "span kind in lower case",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanKind\": \"client\"}"),
            "$.sampling.rules[0].match.spanKind: unknown value 'client'; did you mean 'CLIENT'? Use"
                + " one of "
                + SPAN_KINDS),
        c(
            "scope misspelled",
            breaker("\"name\": \"b\", \"scope\": \"rules\""),
            "$.breakers[0].scope: unknown value 'rules'; did you mean 'rule'? Use one of 'target',"
                + " 'rule'"),
        c(
            "window type in lower case",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"type\": \"time\"}"),
            "$.breakers[0].slidingWindow.type: unknown value 'time'; did you mean 'TIME'? Use one"
                + " of 'COUNT', 'TIME'"),
        c(
            "mode as number",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": 1}"),
            "$.breakers[0].onOpen.mode: must be one of 'error', 'response', not a number"),
        // names
        c(
            "duplicate rule names",
            doc(
                "\"sampling\": {\"rules\": [{\"name\": \"r\", \"ratio\": 1}, {\"name\": \"r\","
                    + " \"ratio\": 0}]}"),
            "$.sampling.rules[1].name: duplicate name 'r': names must be unique within rules"),
        c(
            "duplicate breaker names",
            doc("\"breakers\": [{\"name\": \"b\"}, {\"name\": \"c\"}, {\"name\": \"b\"}]"),
            "$.breakers[2].name: duplicate name 'b': names must be unique within breakers"),
        c("missing rule name", rule("\"ratio\": 1"), "$.sampling.rules[0].name: is required"),
        c(
            "blank rule name",
            rule("\"name\": \" \\u00a0\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not be empty or only whitespace"),
        c(
            "name as number",
            breaker("\"name\": 7"),
            "$.breakers[0].name: must be a string, not a number"),
        c(
            "name too long",
            breaker("\"name\": \"" + "x".repeat(129) + "\""),
            "$.breakers[0].name: may be at most 128 characters long, not 129"),
        // globs
        c(
            "empty glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"\"}"),
            "$.sampling.rules[0].match.spanName: a glob may not be empty"),
        c(
            "triple star",
            breaker("\"name\": \"b\", \"match\": {\"path\": \"/a/***\"}"),
            "$.breakers[0].match.path: '***' is not a glob: use '*' within a segment or '**' across"
                + " segments"),
        c(
            "control character in glob",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"a\\tb\"}"),
            "$.breakers[0].match.host: a glob may not contain control characters"),
        c(
            "malformed attribute glob",
            rule(
                "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"url.path\":"
                    + " \"***\"}}"),
            "$.sampling.rules[0].match.attributes['url.path']: '***' is not a glob: use '*' within"
                + " a segment or '**' across segments"),
        c(
            "attribute value null",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\": null}}"),
            "$.sampling.rules[0].match.attributes.k: must be a string glob, a number or a boolean"),
        c(
            "empty attribute key",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"\": \"v\"}}"),
            "$.sampling.rules[0].match.attributes['']: an attribute key may not be empty"),
        // status codes
        c(
            "status as a number past a double's range",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [1e400]"),
            "$.breakers[0].failureStatusCodes[0]: 'Infinity'" + NOT_A_STATUS),
        c(
            "status 600",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"600\"]"),
            "$.breakers[0].failureStatusCodes[0]: '600'" + NOT_A_STATUS),
        c(
            "status class in upper case",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"5XX\"]"),
            "$.breakers[0].failureStatusCodes[0]: '5XX'" + NOT_A_STATUS),
        c(
            "status half class",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"50x\"]"),
            "$.breakers[0].failureStatusCodes[0]: '50x'" + NOT_A_STATUS),
        c(
            "status open range",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"500-\"]"),
            "$.breakers[0].failureStatusCodes[0]: '500-'" + NOT_A_STATUS),
        c(
            "status range beyond 599",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"500-600\"]"),
            "$.breakers[0].failureStatusCodes[0]: '500-600'" + NOT_A_STATUS),
        c(
            "status range reversed",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [\"5xx\", \"504-500\"]"),
            "$.breakers[0].failureStatusCodes[1]: '504-500' is an empty range: write the lower"
                + " status first, e.g. 500-504"),
        c(
            "status number 42",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [42]"),
            "$.breakers[0].failureStatusCodes[0]: '42'" + NOT_A_STATUS),
        c(
            "status boolean",
            breaker("\"name\": \"b\", \"failureStatusCodes\": [true]"),
            "$.breakers[0].failureStatusCodes[0]: 'true'" + NOT_A_STATUS),
        c(
            "status codes not a list",
            breaker("\"name\": \"b\", \"failureStatusCodes\": \"5xx\""),
            "$.breakers[0].failureStatusCodes: must be a list such as [\"5xx\", \"429\"]"),
        // unknown fields
        c(
            "misspelled breaker field",
            breaker("\"name\": \"b\", \"falureRateThreshold\": 5"),
            "$.breakers[0]: unknown field 'falureRateThreshold'; did you mean"
                + " 'failureRateThreshold'?"),
        c(
            "misspelled root field",
            "{\"schemaVersion\": 1, \"servce\": \"s\"}",
            // the missing field where the object starts, the unknown one where its name is
            "$.service: is required",
            "$: unknown field 'servce'; did you mean 'service'?"),
        c(
            "unknown field without suggestion",
            doc("\"owner\": \"team-a\""),
            "$: unknown field 'owner'"),
        c(
            "field in wrong case",
            breaker("\"name\": \"b\", \"Shadow\": true"),
            "$.breakers[0]: unknown field 'Shadow'; did you mean 'shadow'?"),
        c(
            "unknown field in window",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"sise\": 5}"),
            "$.breakers[0].slidingWindow: unknown field 'sise'; did you mean 'size'?"),
        // types
        c("document is a list", "[]", "$: must be an object, not a list"),
        c("document is null", "null", "$: must be an object, not null"),
        c("document is a number", "42", "$: must be an object, not a number"),
        c(
            "sampling is a list",
            doc("\"sampling\": []"),
            "$.sampling: must be an object, not a list"),
        c("breakers is an object", doc("\"breakers\": {}"), "$.breakers: must be a list"),
        c(
            "rule is a string",
            doc("\"sampling\": {\"rules\": [\"r\"]}"),
            "$.sampling.rules[0]: must be an object, not a string"),
        c(
            "match is null",
            breaker("\"name\": \"b\", \"match\": null"),
            "$.breakers[0].match: must be an object, not null"),
        c(
            "service is a number",
            "{\"schemaVersion\": 1, \"service\": 5}",
            "$.service: must be a string, not a number"),
        c(
            "shadow is a string",
            breaker("\"name\": \"b\", \"shadow\": \"yes\""),
            "$.breakers[0].shadow: must be true or false, not a string"),
        c(
            "port as string",
            breaker("\"name\": \"b\", \"match\": {\"port\": \"80\"}"),
            "$.breakers[0].match.port: must be a whole number from 1 to 65535, not \"80\""),
        c(
            "port zero",
            breaker("\"name\": \"b\", \"match\": {\"port\": 0}"),
            "$.breakers[0].match.port: must be a whole number from 1 to 65535, not 0"),
        // required and versions
        c(
            "empty object",
            "{}",
            "$.schemaVersion: is required and must be 1",
            "$.service: is required"),
        c(
            "schema version 2",
            "{\"schemaVersion\": 2, \"service\": \"s\"}",
            "$.schemaVersion: unsupported schema version 2; this version of Sluice reads"
                + " schemaVersion 1"),
        c(
            "missing ratio",
            rule("\"name\": \"r\""),
            "$.sampling.rules[0].ratio: is required: a number from 0 to 1"),
        c("missing breaker name", breaker("\"shadow\": true"), "$.breakers[0].name: is required"),
        c(
            "service with a colon",
            "{\"schemaVersion\": 1, \"service\": \"unknown_service:java\"}",
            "$.service: 'unknown_service:java'" + NOT_A_SERVICE),
        // durations
        c(
            "duration as a number past a double's range",
            breaker("\"name\": \"b\", \"slowCallDuration\": 1e400"),
            "$.breakers[0].slowCallDuration: 'Infinity'" + NOT_A_DURATION),
        c(
            "duration without unit",
            breaker("\"name\": \"b\", \"waitInOpenState\": \"10\""),
            "$.breakers[0].waitInOpenState: '10'" + NOT_A_DURATION),
        c(
            "duration in days",
            breaker("\"name\": \"b\", \"waitInOpenState\": \"1d\""),
            "$.breakers[0].waitInOpenState: '1d'" + NOT_A_DURATION),
        c(
            "duration zero",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"0ms\""),
            "$.breakers[0].slowCallDuration: must be longer than zero, not '0ms'"),
        c(
            "duration leading zero",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"05s\""),
            "$.breakers[0].slowCallDuration: '05s'" + NOT_A_DURATION),
        c(
            "duration thirteen digits",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"1000000000000ms\""),
            "$.breakers[0].slowCallDuration: '1000000000000ms'" + NOT_A_DURATION),
        c(
            "duration as number",
            breaker("\"name\": \"b\", \"slowCallDuration\": 10"),
            "$.breakers[0].slowCallDuration: '10'" + NOT_A_DURATION),
        c(
            "duration with non-ASCII digits",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"\\u0661s\""),
            "$.breakers[0].slowCallDuration: '\u0661s'" + NOT_A_DURATION),
        c(
            "duration with line break is quoted on one line",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"1s\\n\""),
            "$.breakers[0].slowCallDuration: '1s\\n'" + NOT_A_DURATION),
        c(
            "duration with backspace, form feed and a bidirectional control quoted as JSON does",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"1s\\b\\f\\u202e\\r\""),
            "$.breakers[0].slowCallDuration: '1s\\b\\f\\u202e\\r'" + NOT_A_DURATION),
        // on open
        c(
            "status with mode error",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"error\", \"body\": \"x\"}"),
            "$.breakers[0].onOpen: status, headers and body apply only with \"mode\":"
                + " \"response\""),
        c(
            "response status 99",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"status\": 99}"),
            "$.breakers[0].onOpen.status: must be an HTTP status from 100 to 599, not 99"),
        c(
            "header name with colon",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\": {\"X:Y\":"
                    + " \"1\"}}"),
            "$.breakers[0].onOpen.headers['X:Y']: 'X:Y' is not a valid HTTP header name"),
        c(
            "header value with line break",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\","
                    + " \"headers\": {\"X\": \"a\\nb\"}}"),
            "$.breakers[0].onOpen.headers.X: a header value may not contain line breaks"),
        c(
            "header value outside printable ASCII",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\":"
                    + " {\"X-Reason\": \"\u00fcberlastet\"}}"),
            "$.breakers[0].onOpen.headers['X-Reason']: a header value may hold only printable"
                + " ASCII characters, spaces and tabs (HTTP clients refuse others):"
                + " '\u00fcberlastet'"),
        c(
            "content type without a subtype",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\":"
                    + " {\"Content-Type\": \"json\"}}"),
            "$.breakers[0].onOpen.headers['Content-Type']: must be a media type such as"
                + " \"application/json; charset=utf-8\", not 'json'"),
        c(
            "content type with an unknown charset",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\":"
                    + " {\"content-type\": \"text/plain; charset=klingon\"}}"),
            "$.breakers[0].onOpen.headers['content-type']: names the charset 'klingon', which is"
                + " not a known charset"),
        c(
            "schema version as a string",
            "{\"schemaVersion\": \"1\", \"service\": \"s\"}",
            "$.schemaVersion: must be the number 1, not a string"),
        c(
            "window larger than Resilience4j should allocate",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"type\": \"COUNT\", \"size\": 1001}"),
            "$.breakers[0].slidingWindow.size: must be a whole number from 1 to 1000, not 1001"),
        c(
            "half-open calls larger than Resilience4j should allocate",
            breaker("\"name\": \"b\", \"halfOpenCalls\": 2000000000"),
            "$.breakers[0].halfOpenCalls: must be a whole number from 1 to 1000, not 2000000000"),
        c(
            "threshold that is 0 as a float",
            breaker("\"name\": \"b\", \"failureRateThreshold\": 1e-46"),
            "$.breakers[0].failureRateThreshold: is too small a threshold: Resilience4j keeps it"
                + " as a float, which holds it as 0 (nothing but 0 is nearer to 0 than about"
                + " 1.4e-45); give at least 1.4e-45"),
        c(
            "duration that overflows nanoseconds",
            breaker("\"name\": \"b\", \"slowCallDuration\": \"3000000h\""),
            "$.breakers[0].slowCallDuration: '3000000h'" + NOT_A_DURATION),
        c(
            "invalid mode with response fields: only the mode is reported",
            breaker("\"name\": \"b\", \"onOpen\": {\"mode\": \"Response\", \"status\": 503}"),
            "$.breakers[0].onOpen.mode: unknown value 'Response'; did you mean 'response'? Use one"
                + " of 'error', 'response'"),
        c(
            "header value number",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"headers\": {\"X\": 1}}"),
            "$.breakers[0].onOpen.headers.X: must be a string"));
  }

  /**
   * Names with control characters, line separators or bidirectional controls: refused in a document
   * being written, read when stored.
   */
  static Stream<Arguments> controlCharactersInNames() {
    return Stream.of(
        c(
            "control character in rule name",
            rule("\"name\": \"a\\u0007b\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not contain control characters (\\u0007 at character"
                + " 2)"),
        c(
            "terminal escape in breaker name",
            breaker("\"name\": \"\\u001b[31mred\""),
            "$.breakers[0].name: may not contain control characters (\\u001b at character 1)"),
        c(
            "line feed in breaker name",
            breaker("\"name\": \"\\ud83d\\ude00 a\\nb\""),
            "$.breakers[0].name: may not contain control characters (\\u000a at character 4)"),
        c(
            "C1 control in rule name",
            rule("\"name\": \"r\\u009b\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not contain control characters (\\u009b at character"
                + " 2)"),
        c(
            "line separator in rule name",
            rule("\"name\": \"first\\u2028second\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not contain line or paragraph separators (\\u2028 at"
                + " character 6)"),
        c(
            "paragraph separator in breaker name",
            breaker("\"name\": \"b\\u2029\""),
            "$.breakers[0].name: may not contain line or paragraph separators (\\u2029 at"
                + " character 2)"),
        c(
            "right-to-left override in breaker name, sent as it is",
            breaker("\"name\": \"pay\u202Ementsyap\""),
            "$.breakers[0].name: may not contain bidirectional controls (\\u202e at character 4)"),
        c(
            "isolates in rule name, after an emoji",
            rule("\"name\": \"\\ud83d\\ude00\\u2066a\\u2069\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not contain bidirectional controls (\\u2066 at"
                + " character 2)"),
        c(
            "embedding in rule name",
            rule("\"name\": \"\\u202ar\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not contain bidirectional controls (\\u202a at"
                + " character 1)"),
        c(
            "right-to-left mark in breaker name",
            breaker("\"name\": \"b\\u200f\""),
            "$.breakers[0].name: may not contain bidirectional controls (\\u200f at character 2)"),
        c(
            "Arabic letter mark in breaker name",
            breaker("\"name\": \"b\\u061c\""),
            "$.breakers[0].name: may not contain bidirectional controls (\\u061c at character 2)"),
        c(
            "every name refused, each at its path",
            doc(
                "\"sampling\": {\"rules\": [{\"name\": \"a\\u202eb\", \"ratio\": 1}]},"
                    + " \"breakers\": [{\"name\": \"c\\u200ed\"}, {\"name\": \"e\\u2028\"}]"),
            "$.sampling.rules[0].name: may not contain bidirectional controls (\\u202e at"
                + " character 2)",
            "$.breakers[0].name: may not contain bidirectional controls (\\u200e at character 2)",
            "$.breakers[1].name: may not contain line or paragraph separators (\\u2028 at"
                + " character 2)"));
  }

  /**
   * Globs and attribute keys of {@code match} with line separators or bidirectional controls (and
   * keys with control characters, which globs refuse on every read): refused in a document being
   * written, each at its path, read when stored.
   */
  static Stream<Arguments> oneLineTextInMatches() {
    return Stream.of(
        c(
            "right-to-left override in span name glob",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"spanName\": \"GET /\\u202e**\"}"),
            "$.sampling.rules[0].match.spanName: a glob may not contain bidirectional controls"
                + " (\\u202e at character 6)"),
        c(
            "line separator in attribute value glob",
            rule(
                "\"name\": \"r\", \"ratio\": 1,"
                    + " \"match\": {\"attributes\": {\"user.id\": \"a\\u2028*\"}}"),
            "$.sampling.rules[0].match.attributes['user.id']: a glob may not contain line or"
                + " paragraph separators (\\u2028 at character 2)"),
        c(
            "isolate in attribute key",
            rule(
                "\"name\": \"r\", \"ratio\": 1,"
                    + " \"match\": {\"attributes\": {\"tenant\\u2066\": \"acme\"}}"),
            "$.sampling.rules[0].match.attributes['tenant\\u2066']: an attribute key may not"
                + " contain bidirectional controls (\\u2066 at character 7)"),
        c(
            "terminal escape in attribute key",
            rule(
                "\"name\": \"r\", \"ratio\": 1,"
                    + " \"match\": {\"attributes\": {\"\\u001b[2Jk\": \"v\"}}"),
            "$.sampling.rules[0].match.attributes['\\u001b[2Jk']: an attribute key may not contain"
                + " control characters (\\u001b at character 1)"),
        c(
            "every glob of a call match, each at its path",
            breaker(
                "\"name\": \"b\", \"match\": {\"host\": \"pay\\u200e*\","
                    + " \"method\": \"P\\u061c*\", \"path\": \"/x/\\u2029\"}"),
            "$.breakers[0].match.host: a glob may not contain bidirectional controls (\\u200e at"
                + " character 4)",
            "$.breakers[0].match.method: a glob may not contain bidirectional controls (\\u061c at"
                + " character 2)",
            "$.breakers[0].match.path: a glob may not contain line or paragraph separators (\\u2029"
                + " at character 4)"),
        c(
            "listed with every other problem",
            doc(
                "\"sampling\": {\"rules\": [{\"name\": \"r\", \"ratio\": 2,"
                    + " \"match\": {\"spanName\": \"\\u202ex\"}}]},"
                    + " \"breakers\": [{\"name\": \"b\\u202e\"}]"),
            "$.sampling.rules[0].ratio: must be from 0 to 1, not 2",
            "$.sampling.rules[0].match.spanName: a glob may not contain bidirectional controls"
                + " (\\u202e at character 1)",
            "$.breakers[0].name: may not contain bidirectional controls (\\u202e at character 2)"));
  }

  /**
   * Host and path globs that no call can meet: a policy with one guards nothing, and nothing would
   * say so. Refused in a document being written, each at its path; read when stored (an agent would
   * otherwise refuse the whole document, its good rules with it).
   */
  static Stream<Arguments> unmatchableCallGlobs() {
    String port = "is a host and a port, and a call's host never holds its port: write ";
    return Stream.of(
        c(
            "host with a port",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"payments:8080\"}"),
            "$.breakers[0].match.host: 'payments:8080' "
                + port
                + "'payments' here and 8080 in"
                + " \"port\""),
        c(
            "IPv4 address with a port",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"10.0.0.7:443\"}"),
            "$.breakers[0].match.host: '10.0.0.7:443' "
                + port
                + "'10.0.0.7' here and 443 in"
                + " \"port\""),
        c(
            "bracketed IPv6 address with a port",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"[::1]:8080\"}"),
            "$.breakers[0].match.host: '[::1]:8080' "
                + port
                + "'[::1]' here and 8080 in"
                + " \"port\""),
        c(
            "bracketed IPv6 glob with a port",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"[fe80::*]:8080\"}"),
            "$.breakers[0].match.host: '[fe80::*]:8080' "
                + port
                + "'[fe80::*]' here and 8080 in \"port\""),
        c(
            "host glob with a port",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"*.internal:8080\"}"),
            "$.breakers[0].match.host: '*.internal:8080' "
                + port
                + "'*.internal' here and"
                + " 8080 in \"port\""),
        c(
            "host glob with a colon and a host name",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"payments:*\"}"),
            "$.breakers[0].match.host: 'payments:*' holds a colon, so it can match only an IPv6"
                + " address, and 'p' is in none; a call's host never holds its port: write the port"
                + " in \"port\""),
        c(
            "colon in no IPv6 address",
            breaker("\"name\": \"b\", \"match\": {\"host\": \"a:b:c\"}"),
            "$.breakers[0].match.host: 'a:b:c' is no host: a colon belongs only in an IPv6"
                + " address, and this is none"),
        c(
            "path without its slash, and a query in a path, in one document",
            doc(
                "\"breakers\": [{\"name\": \"a\", \"match\": {\"path\": \"pay/**\"}},"
                    + " {\"name\": \"b\", \"match\": {\"path\": \"/search?q=*\"}},"
                    + " {\"name\": \"c\", \"match\": {\"path\": \"/docs#top\"}}]"),
            "$.breakers[0].match.path: 'pay/**' starts with neither '/' nor a star: every request"
                + " path starts with '/'",
            "$.breakers[1].match.path: '/search?q=*' holds '?', which starts the query or the"
                + " fragment: the path matched never holds them; match on the path alone",
            "$.breakers[2].match.path: '/docs#top' holds '#', which starts the query or the"
                + " fragment: the path matched never holds them; match on the path alone"));
  }

  @ParameterizedTest
  @MethodSource("unmatchableCallGlobs")
  void refusesHostAndPathGlobsNoCallCanMeetInADocumentBeingWritten(
      String json, List<String> expected) {
    ParseResult written = RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8));
    assertThat(written.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
    assertThat(RuleCodec.parse(json).isValid()).as("read when stored").isTrue();
  }

  @Test
  void acceptsHostAndPathGlobsThatCallsCanMeet() {
    for (String match :
        List.of(
            "\"host\": \"payments\", \"port\": 8080",
            "\"host\": \"::1\"",
            "\"host\": \"[::1]\"",
            "\"host\": \"fe80::1%eth0\"",
            "\"host\": \"fe80:*\"",
            "\"host\": \"*:*\"",
            "\"host\": \"*:8080\"",
            "\"host\": \"::ffff:10.0.0.1\"",
            "\"host\": \"*.internal\"",
            "\"path\": \"/pay/**\"",
            "\"path\": \"**/health\"",
            "\"path\": \"*\"")) {
      String json = breaker("\"name\": \"b\", \"match\": {" + match + "}");
      assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors())
          .as(match)
          .isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("oneLineTextInMatches")
  void refusesLineSeparatorsAndBidirectionalControlsInTheMatchesOfADocumentBeingWritten(
      String json, List<String> expected) {
    ParseResult written = RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8));
    assertThat(written.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @MethodSource("oneLineTextInMatches")
  void readsAStoredDocumentWithLineSeparatorsOrBidirectionalControlsInItsMatches(
      String json, List<String> refused) {
    // stored before matches were checked for them: an upgraded agent keeps running these rules,
    // except for what is refused on every read (the ratio of the last case)
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .allMatch(e -> e.contains(".ratio: "));
  }

  @Test
  void leavesASyntheticResponseBodyFree() {
    // a body is the response's content, returned to the calling code, never shown as one line
    String json =
        breaker(
            "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\","
                + " \"body\": \"{\\\"msg\\\": \\\"\\u05e9\\u200f\\u202e\\u2028\\n\\\"}\"}");
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors()).isEmpty();
  }

  @Test
  void acceptsNamesWithFormatCharactersThatAreNoBidirectionalControls() {
    // a zero-width joiner builds emoji sequences; right-to-left script itself is text
    for (String name :
        List.of("\\ud83d\\udc69\\u200d\\ud83d\\udcbb", "\\u05e9\\u05dc\\u05d5\\u05dd")) {
      String json = rule("\"name\": \"" + name + "\", \"ratio\": 1");
      assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors())
          .as(name)
          .isEmpty();
    }
  }

  static Stream<Arguments> invisibleNames() {
    return Stream.of(
        c(
            "zero width space",
            rule("\"name\": \"\\u200b\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not be only whitespace and invisible characters such as"
                + " \\u200b: it would show as no name"),
        c(
            "word joiner, byte order mark and a space",
            breaker("\"name\": \"\\u2060 \\ufeff\""),
            "$.breakers[0].name: may not be only whitespace and invisible characters such as"
                + " \\u2060: it would show as no name"),
        c(
            "soft hyphen",
            breaker("\"name\": \"\\u00ad\\u00ad\""),
            "$.breakers[0].name: may not be only whitespace and invisible characters such as"
                + " \\u00ad: it would show as no name"),
        c(
            "tag characters, beyond the Basic Multilingual Plane",
            rule("\"name\": \"\\udb40\\udc74\\udb40\\udc7f\", \"ratio\": 1"),
            "$.sampling.rules[0].name: may not be only whitespace and invisible characters such as"
                + " \\udb40\\udc74: it would show as no name"));
  }

  @ParameterizedTest
  @MethodSource("invisibleNames")
  void refusesANameOfInvisibleCharactersInADocumentBeingWrittenAsABlankOne(
      String json, List<String> expected) {
    ParseResult written = RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8));
    assertThat(written.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @MethodSource("invisibleNames")
  void readsAStoredDocumentWithANameOfInvisibleCharacters(String json, List<String> refused) {
    // stored before names were checked for them: an upgraded agent keeps running these rules
    assertThat(RuleCodec.parse(json).errors()).isEmpty();
  }

  @Test
  void acceptsANameWithInvisibleCharactersBesideVisibleOnes() {
    String json = rule("\"name\": \"\\u200ba\\u2060\", \"ratio\": 1");
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors()).isEmpty();
  }

  static Stream<Arguments> reservedRuleNames() {
    return Stream.of(
        c(
            "default, what defaultRatio's spans carry",
            rule("\"name\": \"default\", \"ratio\": 1"),
            "$.sampling.rules[0].name: the name 'default' is reserved: sluice.sampling.rule=default"
                + " marks the spans kept by defaultRatio when no rule matched; give the rule"
                + " another name"),
        c(
            "parent, what spans that followed their parent carry, listed with other problems",
            doc(
                "\"sampling\": {\"defaultRatio\": 2, \"rules\": [{\"name\": \"r\", \"ratio\": 1},"
                    + " {\"name\": \"parent\", \"ratio\": 0.5, \"maxPerSecond\": 0}]}"),
            "$.sampling.defaultRatio: must be from 0 to 1, not 2",
            "$.sampling.rules[1].name: the name 'parent' is reserved: sluice.sampling.rule=parent"
                + " marks the spans that followed their parent's sampling decision; give the rule"
                + " another name",
            "$.sampling.rules[1].maxPerSecond: must be at least 1, not 0"));
  }

  @ParameterizedTest
  @MethodSource("reservedRuleNames")
  void refusesARuleNameTheSamplerRecordsWhenNoRuleDecidedInADocumentBeingWritten(
      String json, List<String> expected) {
    ParseResult written = RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8));
    assertThat(written.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @MethodSource("reservedRuleNames")
  void readsAStoredDocumentWithARuleNamedAsTheSamplerNamesNoRule(
      String json, List<String> refused) {
    // stored before the names were reserved: an upgraded agent keeps running these rules
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::message)
        .noneMatch(m -> m.contains("reserved"));
  }

  @Test
  void reservesTheNamesExactlyAsTheSamplerWritesThemAndOnlyForSamplingRules() {
    // a span's attribute says "default" and "parent": "Default" or " parent" is told apart
    String json =
        doc(
            "\"sampling\": {\"rules\": [{\"name\": \"Default\", \"ratio\": 1},"
                + " {\"name\": \"parent \", \"ratio\": 1}]},"
                + " \"breakers\": [{\"name\": \"default\"}, {\"name\": \"parent\"}]");
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("controlCharactersInNames")
  void refusesControlCharactersInTheNamesOfADocumentBeingWritten(
      String json, List<String> expected) {
    ParseResult written = RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8));
    assertThat(written.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @MethodSource("controlCharactersInNames")
  void readsAStoredDocumentWithControlCharactersInItsNames(String json, List<String> refused) {
    // stored before names were checked for them: an upgraded agent keeps running these rules
    assertThat(RuleCodec.parse(json).errors()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("invalidDocuments")
  void reportsEveryProblemWithItsPath(String json, List<String> expected) {
    ParseResult result = RuleCodec.parse(json);
    assertThat(result.isValid()).isFalse();
    assertThat(result.errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> malformedJson() {
    return Stream.of(
        c("empty", "", "$: the document is empty"),
        c("only whitespace", " \n\t ", "$: the document is empty"),
        c(
            "ends early",
            "{\"schemaVersion\": 1,",
            "$: malformed JSON at line 1, column 21: the document ends too early (an object, list"
                + " or string is not closed)"),
        c(
            "ends inside a string",
            "{\"service\": \"or",
            "$: malformed JSON at line 1, column 16: the document ends too early (an object, list"
                + " or string is not closed)"),
        c(
            "single quotes",
            "{'service': 1}",
            "$: malformed JSON at line 1, column 2: unexpected character '\'': field names need"
                + " double quotes"),
        c(
            "bare word",
            "{\"shadow\": yes}",
            "$: malformed JSON at line 1, column 12: unrecognized word (strings need double quotes;"
                + " literals are true, false, null)"),
        c(
            "error on the third line",
            "{\n  \"schemaVersion\": 1,\n  \"service\": \"s\",,\n}",
            "$: malformed JSON at line 3, column 18: unexpected character ',': field names need"
                + " double quotes"),
        c(
            "duplicate field",
            "{\"schemaVersion\": 1, \"service\": \"a\", \"service\": \"b\"}",
            "$: malformed JSON at line 1, column 38: duplicate field 'service'"),
        c(
            "content after the document",
            "{} {}",
            "$: malformed JSON at line 1, column 5: unexpected content after the document"),
        c(
            "trailing comma in list",
            "{\"breakers\": [1,]}",
            "$: malformed JSON at line 1, column 17: unexpected character ']'"),
        c(
            "nested too deeply",
            "[".repeat(200) + "]".repeat(200),
            "$: malformed JSON: the document is nested too deeply"));
  }

  @ParameterizedTest
  @MethodSource("malformedJson")
  void reportsMalformedJsonWithLineAndColumn(String json, List<String> expected) {
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @Test
  void reportsBytesThatAreNotUtf8WithoutParserJargon() {
    byte[] json = {'{', '"', 's', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactly("$: malformed JSON at line 1, column 9: the document is not valid UTF-8");
  }

  @Test
  void refusesDocumentsLargerThanTheLimitBeforeParsing() {
    byte[] json = new byte[RuleCodec.MAX_DOCUMENT_BYTES + 1];
    java.util.Arrays.fill(json, (byte) ' ');
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactly("$: the document is larger than 1048576 bytes");
  }

  @Test
  void nullInputIsAnEmptyDocument() {
    assertThat(RuleCodec.parse((String) null).errors())
        .extracting(ValidationError::toString)
        .containsExactly("$: the document is empty");
    assertThat(RuleCodec.parse((byte[]) null).errors())
        .extracting(ValidationError::toString)
        .containsExactly("$: the document is empty");
  }

  @Test
  void reportsEveryProblemAtOnceInDocumentOrder() {
    String json =
        """
        {
          "breakers": [
            {"name": "payments", "failureRateThreshold": 0, "slidingWindow": {"size": -1},
             "falureRateThreshold": 5},
            {"name": "payments", "failureStatusCodes": ["5xx", "6xx"]}
          ],
          "service": "Orders API",
          "sampling": {"rules": [{"name": "r", "ratio": 2, "match": {"spanKind": "server"}}]},
          "schemaVersion": 3
        }
        """;
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactly(
            "$.breakers[0].failureRateThreshold: must be above 0 and at most 100, not 0",
            "$.breakers[0].slidingWindow.size: must be at least 1, not -1",
            "$.breakers[0]: unknown field 'falureRateThreshold'; did you mean"
                + " 'failureRateThreshold'?",
            "$.breakers[1].name: duplicate name 'payments': names must be unique within breakers",
            "$.breakers[1].failureStatusCodes[1]: '6xx'" + NOT_A_STATUS,
            "$.service: 'Orders API'" + NOT_A_SERVICE,
            "$.sampling.rules[0].ratio: must be from 0 to 1, not 2",
            "$.sampling.rules[0].match.spanKind: unknown value 'server'; did you mean 'SERVER'? Use"
                + " one of "
                + SPAN_KINDS,
            "$.schemaVersion: unsupported schema version 3; this version of Sluice reads"
                + " schemaVersion 1");
  }

  @Test
  void missingFieldsAreListedWhereTheirObjectStartsBeforeWhatIsInIt() {
    // placed where the object that lacks them starts, so listed there too
    String json = "{\"sampling\": {\"rules\": [{\"ratio\": 5}]}, \"service\": \"s\"}";
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactly(
            "$.schemaVersion: is required and must be 1",
            "$.sampling.rules[0].name: is required",
            "$.sampling.rules[0].ratio: must be from 0 to 1, not 5");
  }

  @Test
  void invalidRulesExceptionListsEveryProblem() {
    ParseResult result = RuleCodec.parse("{\"schemaVersion\": 1}");
    org.assertj.core.api.Assertions.assertThatThrownBy(result::orElseThrow)
        .isInstanceOf(InvalidRulesException.class)
        .hasMessage("invalid rule document (1 problem): $.service: is required");
  }

  @Test
  void refusesLoneSurrogatesWhichCouldNotBeStoredAsSent() {
    ParseResult result =
        RuleCodec.parse(
            rule(
                "\"name\": \"a\\ud800b\", \"ratio\": 1, \"match\": {\"attributes\":"
                    + " {\"k\": \"v\", \"ok\": \"\\ud83d\\ude00 x\\ude00\"}}"));
    assertThat(result.errors())
        .extracting(e -> e.path() + ": " + e.message())
        .containsExactly(
            "$.sampling.rules[0].name: is not valid Unicode: \\ud800 is half of a surrogate pair,"
                + " without its other half",
            "$.sampling.rules[0].match.attributes.ok: is not valid Unicode: \\ude00 is half of a"
                + " surrogate pair, without its other half");
    // a pair, escaped or not, is one character and fine
    assertThat(
            RuleCodec.parse(rule("\"name\": \"\\ud83d\\ude00 \ud83d\ude00\", \"ratio\": 1"))
                .isValid())
        .isTrue();
  }

  @Test
  void refusesLoneSurrogatesInFieldNamesSayingSo() {
    // an attribute key is a field name: written back as UTF-8 it would be the key "a?"
    String high =
        rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"a\\ud800\": \"x\"}}");
    String low = "{\"schemaVersion\": 1, \"service\": \"s\", \"x\\udc00\": 1}";
    for (String text : List.of(high, low)) {
      assertThat(RuleCodec.parse(text).errors())
          .extracting(ValidationError::message)
          .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
          .startsWith("malformed JSON at line 1, column ")
          .endsWith(
              ": a field name is not valid Unicode: a \\u escape in it is half of a surrogate"
                  + " pair, without its other half");
    }
  }

  @Test
  void refusesALoneSurrogateInTheTextOfADocumentAsItsEscapeIsRefused() {
    // not the escape: the character itself, in a Java string, which UTF-8 cannot encode
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\",\r\n \"sampling\": {\"rules\":"
            + " [{\"name\": \"a\ud800b\", \"ratio\": 1}]}}";
    ParseResult result = RuleCodec.parse(text);
    assertThat(result.isValid()).as("read as the name 'a?b'").isFalse();
    ValidationError error = result.errors().get(0);
    int column = text.indexOf('\ud800') - text.indexOf('\n');
    assertThat(error.toString())
        .isEqualTo(
            "$: malformed JSON at line 2, column "
                + column
                + ": the document is not valid Unicode: \\ud800 is half of a surrogate pair,"
                + " without its other half");
    assertThat(List.of(error.line(), error.column())).containsExactly(2, column);
    assertThat(RuleCodec.parse(text.replace("\ud800", "\ud83d\ude00")).isValid()).isTrue();
    assertThat(RuleCodec.parse("\udc00").errors().get(0).message())
        .isEqualTo(
            "malformed JSON at line 1, column 1: the document is not valid Unicode: \\udc00 is"
                + " half of a surrogate pair, without its other half");
  }

  @Test
  void listsEveryDuplicateFieldEachAtItsNameThenTheSyntaxErrorAfterThem() {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\",\n"
            + " \"sampling\": {\"defaultRatio\": 0.5, \"defaultRatio\": 1,\n"
            + "   \"rules\": [{\"name\": \"a\", \"ratio\": 1, \"name\": \"b\"}]},\n"
            + " \"\\u0073ervice\": \"t\", \"breakers\": [,]}";
    assertThat(RuleCodec.parse(text).errors())
        .extracting(ValidationError::toString)
        .containsExactly(
            "$: malformed JSON at line 2, column 36: duplicate field 'defaultRatio'",
            "$: malformed JSON at line 3, column 40: duplicate field 'name'",
            "$: malformed JSON at line 4, column 2: duplicate field 'service'",
            "$: malformed JSON at line 4, column 36: unexpected character ','");
  }

  @Test
  void aDocumentGivingFieldsTwiceListsItsOtherProblemsWithThemInTextOrder() {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\",\n"
            + " \"sampling\": {\"defaultRatio\": 0.5, \"defaultRatio\": 1,\n"
            + "   \"rules\": [{\"name\": \"a\", \"ratio\": 2}]},\n"
            + " \"breakers\": [{\"name\": \"b\", \"name\": \"c\", \"match\": {\"host\": \"h\"},"
            + " \"minimumCalls\": 0}]}";

    ParseResult result = RuleCodec.parse(text);

    assertThat(result.errors())
        .extracting(e -> e.line() + ":" + e.column() + " " + e)
        .containsExactly(
            "2:36 $: malformed JSON at line 2, column 36: duplicate field 'defaultRatio'",
            "3:37 $.sampling.rules[0].ratio: must be from 0 to 1, not 2",
            "4:29 $: malformed JSON at line 4, column 29: duplicate field 'name'",
            "4:82 $.breakers[0].minimumCalls: must be at least 1, not 0");
    assertThat(result.problemCount()).isEqualTo(4);
  }

  @Test
  void aFieldGivenTwiceIsCheckedWithItsLastValueWhereThatIsWritten() {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"defaultRatio\": 0.5,"
            + " \"defaultRatio\": 7}}";

    assertThat(RuleCodec.parse(text).errors())
        .extracting(e -> e.column() + " " + e)
        .containsExactly(
            text.indexOf("\"defaultRatio\": 7")
                + 1
                + " $: malformed JSON at line 1, column "
                + (text.indexOf("\"defaultRatio\": 7") + 1)
                + ": duplicate field 'defaultRatio'",
            text.indexOf("7") + 1 + " $.sampling.defaultRatio: must be from 0 to 1, not 7");
  }

  @Test
  void aDocumentStoredForAServiceListsItsOtherProblemsWithTheFieldsItGivesTwice() {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"other\", \"sampling\": {\"defaultRatio\": 1,"
            + " \"defaultRatio\": 1}}";

    assertThat(RuleCodec.parseFor("s", text.getBytes(StandardCharsets.UTF_8)).errors())
        .extracting(ValidationError::path)
        .containsExactly("$.service", "$");
  }

  @Test
  void contentAfterADocumentGivingFieldsTwiceIsListedAfterThem() {
    assertThat(RuleCodec.parse("{\"service\": \"a\", \"service\": \"b\"} {}").errors())
        .extracting(ValidationError::toString)
        .containsExactly(
            "$: malformed JSON at line 1, column 18: duplicate field 'service'",
            "$: malformed JSON at line 1, column 35: unexpected content after the document");
  }

  /**
   * A problem of the value read (the last) is placed in it, never in the first value given: a field
   * the first had and the last lacks is missing where the last starts.
   */
  @Test
  void aProblemOfAValueGivenTwiceIsPlacedInTheLastValueNotTheFirst() {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\",\n"
            + " \"breakers\": [{\"name\": \"b\", \"match\": {\"host\": \"h\"}}],\n"
            + " \"breakers\": [{\"match\": {\"host\": \"h\"}}]}";

    assertThat(RuleCodec.parse(text).errors())
        .extracting(e -> e.line() + ":" + e.column() + " " + e)
        .containsExactly(
            "3:2 $: malformed JSON at line 3, column 2: duplicate field 'breakers'",
            "3:15 $.breakers[0].name: is required");
  }

  @Test
  void aSyntaxErrorAfterADocumentGivingFieldsTwiceIsListedAfterThem() {
    assertThat(
            RuleCodec.parse(
                    "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"defaultRatio\": 5,"
                        + " \"defaultRatio\": 7}}}")
                .errors())
        .extracting(ValidationError::toString)
        .containsExactly(
            "$: malformed JSON at line 1, column 70: duplicate field 'defaultRatio'",
            "$: malformed JSON at line 1, column 89: unexpected '}': brackets do not match");
  }

  @Test
  void whatADocumentGivingFieldsTwiceSaysFirstIsItsSyntaxProblem() {
    assertThat(
            RuleCodec.syntaxProblem(
                "{\"schemaVersion\": 0, \"x\": 1, \"x\": 2}".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("malformed JSON at line 1, column 30: duplicate field 'x'");
  }

  @Test
  void negativeZeroRatiosAreReadAsZeroSoTheCanonicalFormIsOne() {
    RuleDocument negative =
        RuleCodec.parse(
                "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"defaultRatio\": -0.0,"
                    + " \"rules\": [{\"name\": \"r\", \"ratio\": -0}]}}")
            .orElseThrow();
    RuleDocument zero =
        RuleCodec.parse(
                "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"defaultRatio\": 0,"
                    + " \"rules\": [{\"name\": \"r\", \"ratio\": 0.0}]}}")
            .orElseThrow();
    assertThat(RuleCodec.writeCompact(negative)).isEqualTo(RuleCodec.writeCompact(zero));
    assertThat(RuleCodec.writeCompact(negative)).doesNotContain("-0");
  }

  @Test
  void numbersWithAZeroFractionAreWholeNumbersAsInJsonSchema() {
    RuleDocument document =
        RuleCodec.parse(
                "{\"schemaVersion\": 1.0, \"service\": \"s\", \"breakers\": [{\"name\": \"b\","
                    + " \"minimumCalls\": 2e1, \"match\": {\"port\": 8080.0},"
                    + " \"failureStatusCodes\": [503.0]}]}")
            .orElseThrow();
    BreakerPolicy policy = document.breakers().get(0);
    assertThat(policy.minimumCalls()).isEqualTo(20);
    assertThat(policy.match().port()).isEqualTo(8080);
    assertThat(policy.failureStatusCodes()).containsExactly(new StatusCodeRange(503, 503));
  }

  @Test
  void longValuesAreCutShortInMessages() {
    String longName = "x".repeat(500);
    String message = RuleCodec.parse(doc("\"" + longName + "\": 1")).errors().get(0).message();
    assertThat(message).isEqualTo("unknown field '" + "x".repeat(80) + "...'");
    assertThat(message.getBytes(StandardCharsets.UTF_8).length).isLessThan(120);
  }

  /**
   * A name longer than 50 000 characters (an attribute key, an unknown field), in a document well
   * within its size limit, is refused as such: it was "malformed JSON: not valid JSON". One of 50
   * 000 is a name like any other, to the schema too (whose {@code propertyNames} have that {@code
   * maxLength}).
   */
  @Test
  void aNameLongerThanTheLimitIsRefusedAsSuchAndOneAtTheLimitIsAName() {
    String tooLong = "k".repeat(RuleCodec.MAX_NAME_LENGTH + 1);
    assertThat(RuleCodec.parse(doc("\"" + tooLong + "\": 1")).errors())
        .extracting(ValidationError::message)
        .containsExactly("malformed JSON: a field name is longer than 50000 characters");

    String longest = "k".repeat(RuleCodec.MAX_NAME_LENGTH);
    String rule =
        doc(
            "\"sampling\": {\"rules\": [{\"name\": \"r\", \"ratio\": 1, \"match\":"
                + " {\"attributes\": {\"%s\": \"v\"}}}]}");
    ParseResult key = RuleCodec.parse(rule.formatted(longest));
    assertThat(key.errors()).isEmpty();
    assertThat(key.document().sampling().rules().get(0).match().attributes())
        .containsOnlyKeys(longest);
    assertThat(RuleSchemaValidator.problems(rule.formatted(longest))).isEmpty();
  }

  /**
   * JSON around a document (the control plane's dry run request) is judged as JSON alone: text that
   * is not JSON is said as a malformed document is, and JSON of any shape has no problem.
   */
  @Test
  void syntaxProblemSaysWhatKeepsTextFromBeingJsonAndNothingOfItsShape() {
    assertThat(RuleCodec.syntaxProblem(utf8("{\"span\": {\"name\": \"x\"}")))
        .isEqualTo(
            "malformed JSON at line 1, column 23: the document ends too early (an object, list or"
                + " string is not closed)");
    assertThat(
            RuleCodec.syntaxProblem(
                utf8("{\"" + "k".repeat(RuleCodec.MAX_NAME_LENGTH + 1) + "\": 1}")))
        .isEqualTo("malformed JSON: a field name is longer than 50000 characters");
    assertThat(RuleCodec.syntaxProblem(utf8("{\"span\": {\"name\": \"x\"}, \"other\": [1, 2]}")))
        .isNull();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aValueCutShortKeepsACharacterOutsideTheBmpWhole() {
    // U+1F600 is two chars: the cut at 80 would fall between them and leave half of it
    String emoji = "\ud83d\ude00";
    String name = "x".repeat(79) + emoji + "tail";
    String unknown = RuleCodec.parse(doc("\"" + name + "\": 1")).errors().get(0).message();
    assertThat(unknown).isEqualTo("unknown field '" + "x".repeat(79) + "...'");
    String service =
        RuleCodec.parse("{\"schemaVersion\": 1, \"service\": \"" + name + "\"}")
            .errors()
            .get(0)
            .message();
    assertThat(DocumentReader.loneSurrogate(service)).isEqualTo(-1);
    assertThat(service).startsWith("'" + "x".repeat(79) + "...' is not a service name");
    // a pair that ends at the cut stays whole
    String fits = "x".repeat(78) + emoji + "tail";
    assertThat(DocumentReader.quote(fits)).isEqualTo("'" + "x".repeat(78) + emoji + "...'");
  }

  @ParameterizedTest
  @MethodSource("valuesShownAfterNot")
  void aValueShownAfterNotIsOneShortLineAndTheValueWritten(String json, List<String> expected) {
    List<ValidationError> errors = RuleCodec.parse(json).errors();
    assertThat(errors).map(ValidationError::toString).isEqualTo(expected);
    ValidationError error = errors.get(0);
    assertThat(OneLineText.problem(error.message())).isNull();
    assertThat(error.message().length()).isLessThan(200);
  }

  static Stream<Arguments> valuesShownAfterNot() {
    String port = "$.breakers[0].match.port: must be a whole number from 1 to 65535, not ";
    return Stream.of(
        // as Jackson wrote them: raw, so the message read as another or broke its line
        c(
            "port with a bidirectional override",
            breaker("\"name\": \"b\", \"match\": {\"port\": \"80\\u202e80\"}"),
            port + "\"80\\u202e80\""),
        c(
            "port with a line separator",
            breaker("\"name\": \"b\", \"match\": {\"port\": \"80\\u2028\"}"),
            port + "\"80\\u2028\""),
        c(
            "status with a C1 control",
            breaker(
                "\"name\": \"b\", \"onOpen\": {\"mode\": \"response\", \"status\":"
                    + " \"2\\u008500\"}"),
            "$.breakers[0].onOpen.status: must be an HTTP status from 100 to 599, not"
                + " \"2\\u008500\""),
        // whole: a value of a megabyte made a message of a megabyte
        c(
            "port as a long string",
            breaker("\"name\": \"b\", \"match\": {\"port\": \"" + "9".repeat(5000) + "\"}"),
            port + "\"" + "9".repeat(80) + "...\""),
        c(
            "ratio as a long integer",
            doc("\"sampling\": {\"defaultRatio\": " + "9".repeat(900) + "}"),
            "$.sampling.defaultRatio: must be from 0 to 1, not " + "9".repeat(80) + "..."),
        // an object was written out whole, strings in it raw
        c(
            "port as an object",
            breaker("\"name\": \"b\", \"match\": {\"port\": {\"a\": \"\\u202e\"}}"),
            port + "an object"),
        // 1e400 is past the largest double, held as infinity: it was shown as the string "Infinity"
        c(
            "window size past the largest double",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"size\": 1e400}"),
            "$.breakers[0].slidingWindow.size: must be a whole number from 1 to 1000, not"
                + " Infinity"),
        c(
            "schema version past the largest double",
            "{\"schemaVersion\": -1e400, \"service\": \"s\"}",
            "$.schemaVersion: unsupported schema version -Infinity; this version of"
                + " Sluice reads schemaVersion 1"),
        c(
            "ratio past the largest double",
            doc("\"sampling\": {\"defaultRatio\": 1e400}"),
            "$.sampling.defaultRatio: must be from 0 to 1, not Infinity"),
        // 1e-400 is nearer to 0 than the smallest double: it was read as 0, now kept as it is
        c(
            "window size nearer to 0 than the smallest double",
            breaker("\"name\": \"b\", \"slidingWindow\": {\"size\": 1e-400}"),
            "$.breakers[0].slidingWindow.size: must be a whole number from 1 to 1000, not 1E-400"));
  }

  /**
   * A number other than 0 that a double holds as 0 was read as 0: a ratio, a threshold or an
   * attribute value of 0, which is not what was written. It is refused, as one past the range of a
   * double is, on every read (a rules file or etcd value written by hand) and every write.
   */
  static Stream<Arguments> numbersNearerToZeroThanADouble() {
    return Stream.of(
        c(
            "ratio nearer to 0 than the smallest double",
            doc("\"sampling\": {\"defaultRatio\": 1e-400}"),
            "$.sampling.defaultRatio: " + TOO_SMALL),
        c(
            "negative rule ratio nearer to 0 than the smallest double",
            rule("\"name\": \"r\", \"ratio\": -0.00001e-320"),
            "$.sampling.rules[0].ratio: " + TOO_SMALL),
        c(
            "threshold nearer to 0 than the smallest double",
            breaker("\"name\": \"b\", \"failureRateThreshold\": 1e-400"),
            "$.breakers[0].failureRateThreshold: is too small a threshold: Resilience4j keeps it as"
                + " a float, which holds it as 0 (nothing but 0 is nearer to 0 than about 1.4e-45);"
                + " give at least 1.4e-45"),
        c(
            "negative threshold nearer to 0 than the smallest double",
            breaker("\"name\": \"b\", \"slowCallRateThreshold\": -1e-400"),
            "$.breakers[0].slowCallRateThreshold: must be above 0 and at most 100, not -1E-400"),
        c(
            "attribute value nearer to 0 than the smallest double",
            rule("\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\": 1e-400}}"),
            "$.sampling.rules[0].match.attributes.k: " + TOO_SMALL),
        c(
            "attribute value with an exponent past a BigDecimal's",
            rule(
                "\"name\": \"r\", \"ratio\": 1, \"match\": {\"attributes\": {\"k\":"
                    + " -1e-99999999999}}"),
            "$.sampling.rules[0].match.attributes.k: " + TOO_SMALL));
  }

  @ParameterizedTest
  @MethodSource("numbersNearerToZeroThanADouble")
  void refusesANumberADoubleHoldsAsZeroOnReadAndWrite(String json, List<String> expected) {
    assertThat(RuleCodec.parse(json).errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
    assertThat(RuleCodec.parseFor("s", json.getBytes(StandardCharsets.UTF_8)).errors())
        .extracting(ValidationError::toString)
        .containsExactlyElementsOf(expected);
  }

  @Test
  void readsZeroAndTheSmallestDoubleHoweverTheyAreWritten() {
    for (String ratio : List.of("0", "0.0", "-0.0", "0e-400", "0.000e5", "4.9e-324")) {
      ParseResult result = RuleCodec.parse(doc("\"sampling\": {\"defaultRatio\": " + ratio + "}"));
      assertThat(result.errors()).as(ratio).isEmpty();
      assertThat(result.document().sampling().defaultRatio())
          .as(ratio)
          .isEqualTo(Double.parseDouble(ratio) == 0 ? 0.0 : Double.MIN_VALUE);
    }
  }

  @Test
  void anUnknownFieldsNameEscapesABackslashAndAQuoteSoItReadsBackAsThePathsMemberDoes() {
    // the web UI reads the name back from the message to find the key: a quote in the name must
    // not end it, and a backslash that was in the name must not read as an escape (\u0041 as A)
    List<String> messages =
        RuleCodec.parse(doc("\"it's\": 1, \"x\\\\u0041\": 2, \"tab\\there\": 3")).errors().stream()
            .map(ValidationError::message)
            .toList();
    assertThat(messages)
        .containsExactly(
            "unknown field 'it\\'s'", "unknown field 'x\\\\u0041'", "unknown field 'tab\\there'");
    assertThat(JsonPathSteps.member("it's")).isEqualTo("['it\\'s']");
    assertThat(JsonPathSteps.member("x\\u0041")).isEqualTo("['x\\\\u0041']");
  }

  private static Arguments c(String name, String json, String... expected) {
    return Arguments.of(Named.of(name, json), List.of(expected));
  }
}

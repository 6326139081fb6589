package io.sluice.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.regex.RegularExpression;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Validates JSON against the shipped rule schema with networknt's validator, the way a browser
 * would: a pattern's final {@code $} means the end of the input as in ECMA-262 (the JDK's {@code $}
 * would also match before a final line break).
 */
final class RuleSchemaValidator {

  static final ObjectMapper JSON = new ObjectMapper();

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static final JsonSchema SCHEMA =
      FACTORY.getSchema(
          RuleSchema.json(),
          SchemaValidatorsConfig.builder()
              .regularExpressionFactory(RuleSchemaValidator::ecmaLikePattern)
              .build());

  private RuleSchemaValidator() {}

  /** Every problem the schema finds in a document, as {@code instance path: message}. */
  static List<String> problems(JsonNode document) {
    return SCHEMA.validate(document).stream().map(ValidationMessage::getMessage).sorted().toList();
  }

  static List<String> problems(String json) {
    try {
      return problems(JSON.readTree(json));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("test document is not JSON: " + json, e);
    }
  }

  /** Problems the 2020-12 meta-schema finds in our schema. */
  static List<String> metaSchemaProblems() throws java.io.IOException {
    JsonSchema meta =
        FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    return meta.validate(JSON.readTree(RuleSchema.json())).stream()
        .map(ValidationMessage::getMessage)
        .toList();
  }

  static JsonNode schemaNode() {
    try {
      return JSON.readTree(RuleSchema.json());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RegularExpression ecmaLikePattern(String regex) {
    String javaRegex =
        regex.endsWith("$") && !regex.endsWith("\\$")
            ? regex.substring(0, regex.length() - 1) + "\\z"
            : regex;
    Pattern pattern = Pattern.compile(javaRegex);
    return value -> pattern.matcher(value).find();
  }
}

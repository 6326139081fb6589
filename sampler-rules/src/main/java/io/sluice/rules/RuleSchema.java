package io.sluice.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON Schema (draft 2020-12) of the rule document v1, shipped in this jar as the resource
 * {@value #RESOURCE}.
 *
 * <p>Exists so that editors outside the JVM (the control plane's web UI validating as you type, an
 * IDE, a CI check) see the same rules as {@link RuleCodec#parse}: field names, types, enum
 * spellings, ranges, patterns, defaults and descriptions. A test keeps the schema, the records and
 * the reader in step. Some checks are beyond JSON Schema and made only by the reader: unique rule
 * names, status ranges whose lower bound comes first, a synthetic response's {@code Content-Type}
 * and header names unique ignoring case, attribute values that are numbers within the range of a
 * double, and numbers other than 0 that a double (or, for thresholds, a float) would hold as 0.
 */
public final class RuleSchema {

  /** The classpath resource name of the schema, without a leading slash. */
  public static final String RESOURCE = "sluice-rules.schema.json";

  private RuleSchema() {}

  /** The schema's JSON text, read from this jar on each call; callers cache it if they need to. */
  public static String json() {
    try (InputStream in = RuleSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}

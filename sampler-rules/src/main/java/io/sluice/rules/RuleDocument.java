package io.sluice.rules;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One service's rules: how its spans are sampled and which of its outgoing calls are guarded by
 * circuit breakers. This is the rule document v1 stored in etcd under {@code
 * /sluice/v1/rules/{service}}.
 *
 * <p>Instances are immutable and always valid: they come out of {@link RuleCodec#parse} (which
 * validates) or are built in code by people who know what they are doing. Serialize with {@link
 * RuleCodec#write}.
 *
 * @param schemaVersion always {@value #SCHEMA_VERSION}
 * @param service the service the document belongs to, or {@code _default}
 * @param sampling the sampling policy
 * @param breakers breaker policies, tried in order
 */
public record RuleDocument(
    int schemaVersion, String service, SamplingPolicy sampling, List<BreakerPolicy> breakers) {

  /** The only schema version this library reads and writes. */
  public static final int SCHEMA_VERSION = 1;

  /** The service name whose document applies to services without their own. */
  public static final String DEFAULT_SERVICE = "_default";

  /** What a document's {@code service} may be. */
  private static final Pattern SERVICE_NAME =
      Pattern.compile("_default|[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** How {@link #isServiceName} names are made, in words for error messages. */
  public static final String SERVICE_NAME_RULE =
      "1 to 63 of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter or digit, or '_default'";

  /**
   * Whether {@code name} can have a rule document: 1 to 63 of {@code A-Z a-z 0-9 . _ -}, starting
   * with a letter or digit (case matters, as in OpenTelemetry's {@code service.name}), or {@code
   * _default}. A service with another name runs on {@code _default}.
   */
  public static boolean isServiceName(String name) {
    return name != null && SERVICE_NAME.matcher(name).matches();
  }

  public RuleDocument {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(sampling, "sampling");
    breakers = List.copyOf(breakers);
  }

  /**
   * The rules an agent runs when it has no document at all: keep every trace, follow the parent,
   * guard nothing. The same behaviour as the OpenTelemetry SDK's default sampler.
   */
  public static RuleDocument builtInDefaults(String service) {
    return new RuleDocument(SCHEMA_VERSION, service, SamplingPolicy.DEFAULT, List.of());
  }
}

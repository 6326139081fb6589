/**
 * The Sluice rule language: one JSON document per service that says how its spans are sampled and
 * which outgoing calls go through circuit breakers.
 *
 * <p>A document travels through a pipeline, and each type here is one stage of it:
 *
 * <ol>
 *   <li>{@link io.sluice.rules.RuleCodec#parse} reads JSON into a {@link
 *       io.sluice.rules.ParseResult}: a valid {@link io.sluice.rules.RuleDocument}, or every
 *       problem as a {@link io.sluice.rules.ValidationError} with its JSON path. It never throws.
 *   <li>{@link io.sluice.rules.CompiledRules#compile} turns a valid document into immutable
 *       matchers built from {@link io.sluice.rules.Glob}s, once, off the request path.
 *   <li>On request threads, {@link io.sluice.rules.CompiledRules#samplingRuleIndex} and {@link
 *       io.sluice.rules.CompiledRules#breakerPolicyIndex} answer which rule decides, without
 *       allocating; span attributes are read through an {@link io.sluice.rules.AttributeReader}.
 *   <li>{@link io.sluice.rules.RuleCodec#write} gives the canonical JSON, every default spelled
 *       out, which parses back to an equal document.
 * </ol>
 *
 * <p>{@link io.sluice.rules.RuleSchema} ships the same language as a JSON Schema for editors
 * outside the JVM. The rule model types are records and enums; the reader fills in defaults, so a
 * record never holds a "missing" value except where {@code null} is documented.
 */
package io.sluice.rules;

/**
 * Rule-driven sampling for OpenTelemetry.
 *
 * <p>{@link io.sluice.sdk.sampling.RuleSampler#create} returns a {@code Sampler} that reads the
 * current {@link io.sluice.sdk.ActiveRules} snapshot on every decision: follow a valid parent's
 * sampled flag (when the policy says so), else the first matching rule's trace-id ratio and
 * per-second cap, else the default ratio. Kept spans carry the attributes in {@link
 * io.sluice.sdk.sampling.SamplingAttributes}.
 *
 * <p>The sampler is not registered for OpenTelemetry autoconfigure here: that needs the
 * autoconfigure SPI, which the SDK does not depend on. The javaagent extension registers it under
 * the name {@code sluice} with a {@code ConfigurableSamplerProvider}.
 */
package io.sluice.sdk.sampling;

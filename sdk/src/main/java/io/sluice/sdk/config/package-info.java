/**
 * Agent configuration: {@link io.sluice.sdk.config.SluiceConfig} holds where rules come from (etcd,
 * a local file), where the last-known-good snapshot lives and which service the agent runs for.
 *
 * <p>Build it in code with {@link io.sluice.sdk.config.SluiceConfig#builder()}, or read the keys of
 * {@link io.sluice.sdk.config.ConfigKeys} with {@link
 * io.sluice.sdk.config.SluiceConfig#fromProperties} (the javaagent passes OpenTelemetry's
 * configuration) or {@link io.sluice.sdk.config.SluiceConfig#fromSystem()}. Invalid settings fail
 * at build time with every bad key and value listed, each named where it was set ({@link
 * io.sluice.sdk.config.ConfigLookup}: an environment variable, the key, or the builder method such
 * as {@code builder().namespace(…)}). {@link io.sluice.sdk.config.EtcdClientFactory} turns the etcd
 * part into a jetcd client, TLS included.
 */
package io.sluice.sdk.config;

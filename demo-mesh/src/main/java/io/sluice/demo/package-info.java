/**
 * The Sluice demo: four Vert.x services and a load generator in one runnable jar.
 *
 * <p>{@link io.sluice.demo.DemoMain} picks what to run from its first argument ({@code gateway},
 * {@code orders}, {@code payments}, {@code inventory}, {@code loadgen}); {@link
 * io.sluice.demo.Flags} reads the rest as {@code --flag value} with {@code DEMO_*} environment
 * variables as fallback. Nothing here links Sluice or OpenTelemetry: the Sluice agent is attached
 * with {@code -javaagent} and finds the Vert.x HTTP server and client on its own. That is the point
 * of the demo.
 */
package io.sluice.demo;

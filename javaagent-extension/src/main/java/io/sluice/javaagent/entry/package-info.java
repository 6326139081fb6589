/**
 * The extension's entry points: the only classes the agent loads from the extension jar itself.
 *
 * <p>The agent loads an extension's classes through a class loader that rewrites each of them as it
 * loads it (ASM: OpenTelemetry API names to the agent's shaded ones, {@code
 * java.util.logging.Logger} to the agent's {@code PatchLogger}). Sluice brings about 2,800 classes
 * when it talks to etcd (jetcd, gRPC, Netty, Vert.x, protobuf, Jackson), nearly all of which
 * mention neither, and that rewriting, with the compilation of ASM it sets off, was the larger part
 * of the CPU Sluice added to an app's start (measured in BENCHMARKS.md, "Agent start and exit").
 *
 * <p>So the SPI classes the agent finds here ({@link AutoConfigurationEntry}, {@link
 * SamplerProviderEntry}, {@link AgentListenerEntry}) only hand over to Sluice's runtime in {@link
 * RuntimeLoader}; {@link SluiceBootstrapPackages} and {@link IgnoredRuntimeTypes} need no runtime.
 * The build stores every runtime class that mentions neither name as a raw resource ({@code
 * sluice-runtime/…/X.class.raw}), which the runtime loader defines as it is; the others stay where
 * they were, and the runtime loader defines them from the bytes the agent's loader hands out,
 * rewritten as before. Each class thus runs bytecode equivalent to what it ran before (a raw class
 * skips ASM's read and write, which changes no instruction). {@link IgnoredRuntimeTypes} keeps the
 * agent's instrumentation away from the runtime loader, as it keeps away from the extension's own.
 *
 * <p>The agent calls the entry points only: an SPI method that a runtime class implements must be
 * declared by its entry point too, or it is never called ({@code order()}, for instance). Each
 * entry declares exactly the methods its runtime class implements, and {@code EntryForwardingTest}
 * fails when a runtime class implements another.
 *
 * <p>Nothing here may name a runtime class as a type: the extension's loader would then load it
 * itself. Every failure is caught and logged once; the app runs without Sluice rather than fail.
 */
package io.sluice.javaagent.entry;

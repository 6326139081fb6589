/**
 * The bootstrap bridge between the extension and advice inlined into HTTP clients. These classes
 * are packed into an opaque resource of the extension jar and appended to the bootstrap class path
 * at start (see {@code BootstrapBridgeInstaller}); they must only use JDK types.
 */
package io.sluice.javaagent.bridge;

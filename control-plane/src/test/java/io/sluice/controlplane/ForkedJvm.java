package io.sluice.controlplane;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The start of the command line of a control plane a test runs in a JVM of its own: this JVM's
 * {@code java}, with the compiler and collector flags the build gives its test JVMs ({@code
 * test.jvm.flags}: C1 only and the serial collector, unless the build is run with {@code
 * -Dtest.jvm.flags=}). Started so, the packaged control plane takes about 40% less CPU to start (5
 * s of user time instead of 9 here), CPU that the agent module's tests need beside it on two cores.
 */
final class ForkedJvm {

  private ForkedJvm() {}

  /** {@code java} and those flags, to which a test adds its own options and arguments. */
  static List<String> java() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            argument ->
                argument.startsWith("-XX:TieredStopAtLevel=")
                    || argument.equals("-XX:+UseSerialGC"))
        .forEach(command::add);
    return command;
  }
}

package io.sluice.sdk.source;

/**
 * Says where a rule source's thread is stuck when its close gives up waiting for it, so that the
 * one line the close logs names the listener or read that held it, not only the JDK's wait.
 */
final class BusyThreads {

  private BusyThreads() {}

  /**
   * The innermost frame of {@code busy}'s stack that is not the JDK's (a listener's, a reader's),
   * else its innermost frame.
   */
  static String busyIn(Thread busy) {
    StackTraceElement[] stack = busy.getStackTrace();
    for (StackTraceElement frame : stack) {
      String type = frame.getClassName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
        return frame.toString();
      }
    }
    return stack.length > 0 ? stack[0].toString() : "(no stack)";
  }
}

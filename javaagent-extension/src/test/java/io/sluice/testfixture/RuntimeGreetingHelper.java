package io.sluice.testfixture;

/** Referenced by {@link RuntimeGreeting}, stored in the test jar at its usual path. */
final class RuntimeGreetingHelper {

  private RuntimeGreetingHelper() {}

  static String name() {
    return RuntimeGreetingHelper.class.getClassLoader().getName();
  }
}

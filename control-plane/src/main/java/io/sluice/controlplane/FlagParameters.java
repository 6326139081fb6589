package io.sluice.controlplane;

/**
 * Reads a true-or-false query parameter ({@code ?fallingBackToDefault=}, {@code ?agentStatus=}) one
 * way for the whole API: {@code true} or {@code false} in any case, the default when absent, and
 * anything else refused with 400 {@code invalid-request} naming the parameter. Empty is refused
 * too, not taken for the default: a script's unset variable ({@code ?flag=$FLAG}) would otherwise
 * get an answer to a question it did not ask.
 */
public final class FlagParameters {

  private FlagParameters() {}

  /**
   * The flag's value.
   *
   * @param name the parameter's name, for the error
   * @param value the parameter as given, or {@code null} when absent
   * @param whenAbsent the value when absent
   * @throws ApiException {@code invalid-request} when {@code value} is neither true nor false
   */
  public static boolean parse(String name, String value, boolean whenAbsent) {
    if (value == null) {
      return whenAbsent;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new ApiException(
        ProblemType.INVALID_REQUEST,
        value.isBlank()
            ? "?" + name + "= is empty: say true or false, or leave the parameter out"
            : "?" + name + "= must be true or false");
  }
}

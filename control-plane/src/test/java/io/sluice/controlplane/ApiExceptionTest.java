package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiExceptionTest {

  /**
   * A problem's extra members reach the client in the order the thrower gave them: they were copied
   * into an immutable map, whose order changes from one start of the JVM to the next, so the same
   * problem read differently after a restart.
   */
  @Test
  void keepsThePropertiesInTheOrderGiven() {
    Map<String, Object> given = new LinkedHashMap<>();
    for (String name : "size limit errors problemCount currentRevision a b c d e".split(" ")) {
      given.put(name, name.length());
    }

    ApiException problem = new ApiException(ProblemType.INVALID_REQUEST, "detail", given);

    assertThat(problem.properties().keySet()).containsExactlyElementsOf(given.keySet());
  }
}

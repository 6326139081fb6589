package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepeatedInputInterceptorTest {

  @Test
  void findsNamesGivenMoreThanOnceHoweverTheyAreSpelled() {
    assertThat(RepeatedInputInterceptor.repeatedParameters("to=1&to=2")).containsExactly("to");
    assertThat(RepeatedInputInterceptor.repeatedParameters("to=1&%74o=2")).containsExactly("to");
    assertThat(RepeatedInputInterceptor.repeatedParameters("b=1&a&a=&b=2&c=3"))
        .containsExactly("a", "b");
  }

  @Test
  void leavesDistinctNamesAndOddQueriesAlone() {
    assertThat(RepeatedInputInterceptor.repeatedParameters(null)).isEmpty();
    assertThat(RepeatedInputInterceptor.repeatedParameters("")).isEmpty();
    assertThat(RepeatedInputInterceptor.repeatedParameters("before=9&limit=20")).isEmpty();
    assertThat(RepeatedInputInterceptor.repeatedParameters("%zz=1&to=2")).isEmpty();
  }
}

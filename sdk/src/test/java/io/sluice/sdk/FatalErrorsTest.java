package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FatalErrorsTest {

  @Test
  void onlyTheJvmsOwnFailuresPassAndAStackOverflowIsNotOne() {
    for (Throwable mendable :
        List.of(
            new AssertionError("a listener's"),
            new StackOverflowError(),
            new NoClassDefFoundError("x"),
            new IllegalStateException())) {
      assertThatCode(() -> FatalErrors.rethrowIfFatal(mendable))
          .as(mendable.toString())
          .doesNotThrowAnyException();
    }
    for (VirtualMachineError fatal : List.of(new OutOfMemoryError(), new InternalError())) {
      assertThatThrownBy(() -> FatalErrors.rethrowIfFatal(fatal)).isSameAs(fatal);
    }
  }
}

package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.ext.web.client.impl.HttpContext;
import java.util.Collections;
import java.util.stream.Stream;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.StubMethod;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code WebClient} advice applies all or nothing: a hop held at {@code handleCreateRequest()}
 * is only safe where {@code dispatchResponse(1)} and {@code fail(1)} report it, so an {@code
 * HttpContext} lacking either must not match at all. The types shaped like {@code HttpContext} are
 * built, never loaded, under its real name, so the whole type matcher is checked.
 */
class WebClientInstrumentationTest {

  private static final String HTTP_CONTEXT = "io.vertx.ext.web.client.impl.HttpContext";

  @Test
  void matchesTheHttpContextOfWebClient507() {
    assertThat(
            new WebClientInstrumentation()
                .typeMatcher()
                .matches(TypeDescription.ForLoadedType.of(HttpContext.class)))
        .isTrue();
  }

  @Test
  void matchesATypeShapedLikeHttpContextWithAllThreeMethods() {
    assertThat(matches(shapedLikeHttpContext(true, 1, 1))).isTrue();
  }

  static Stream<Arguments> httpContextsMissingAnAdvisedMethod() {
    return Stream.of(
        Arguments.of(Named.of("without fail(1)", shapedLikeHttpContext(true, 1, -1))),
        Arguments.of(Named.of("fail takes two arguments", shapedLikeHttpContext(true, 1, 2))),
        Arguments.of(Named.of("without dispatchResponse(1)", shapedLikeHttpContext(true, -1, 1))),
        Arguments.of(
            Named.of("without handleCreateRequest()", shapedLikeHttpContext(false, 1, 1))));
  }

  @ParameterizedTest
  @MethodSource("httpContextsMissingAnAdvisedMethod")
  void doesNotMatchAnHttpContextMissingAnyAdvisedMethod(TypeDescription type) {
    assertThat(matches(type)).isFalse();
  }

  private static boolean matches(TypeDescription type) {
    return new WebClientInstrumentation().typeMatcher().matches(type);
  }

  /**
   * A class named {@code HttpContext} with a private {@code handleCreateRequest()} if asked, and
   * public {@code dispatchResponse} and {@code fail} of the given arity (-1: none).
   */
  private static TypeDescription shapedLikeHttpContext(
      boolean handleCreateRequest, int dispatchResponseArity, int failArity) {
    DynamicType.Builder<Object> type = new ByteBuddy().subclass(Object.class).name(HTTP_CONTEXT);
    if (handleCreateRequest) {
      type =
          type.defineMethod("handleCreateRequest", void.class, Visibility.PRIVATE)
              .intercept(StubMethod.INSTANCE);
    }
    if (dispatchResponseArity >= 0) {
      type =
          type.defineMethod("dispatchResponse", void.class, Visibility.PUBLIC)
              .withParameters(Collections.nCopies(dispatchResponseArity, Object.class))
              .intercept(StubMethod.INSTANCE);
    }
    if (failArity >= 0) {
      type =
          type.defineMethod("fail", boolean.class, Visibility.PUBLIC)
              .withParameters(Collections.nCopies(failArity, Throwable.class))
              .intercept(StubMethod.INSTANCE);
    }
    try (DynamicType.Unloaded<Object> unloaded = type.make()) {
      return unloaded.getTypeDescription();
    }
  }
}

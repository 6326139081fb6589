package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.OneLineText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.MethodParameter;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a request body sent as a type with a wildcard ({@code Content-Type: *}{@code /*}, {@code
 * application/*}, {@code application/*+json}): such a type names no representation, and Spring
 * throws on it while it reads a {@code @RequestBody}, before the handler can say what it takes (a
 * rule document PUT or a dry run answered 500 and logged a stack trace, for any reader to repeat).
 * 415, naming the type to send, as for any other type that is not JSON. Only handlers that read a
 * body are concerned; a type that does not parse is left to them, as before.
 */
final class WildcardContentTypeInterceptor implements HandlerInterceptor {

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    String contentType = request.getContentType();
    if (contentType == null || !readsABody(handler)) {
      return true;
    }
    MediaType type;
    try {
      type = MediaType.parseMediaType(contentType);
    } catch (InvalidMediaTypeException e) {
      return true;
    }
    if (type.isWildcardType() || type.isWildcardSubtype()) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "the request body is sent as "
              + OneLineText.escape(contentType.strip())
              + ", which names no type; send it as application/json");
    }
    return true;
  }

  private static boolean readsABody(Object handler) {
    if (handler instanceof HandlerMethod method) {
      for (MethodParameter parameter : method.getMethodParameters()) {
        if (parameter.hasParameterAnnotation(RequestBody.class)) {
          return true;
        }
      }
    }
    return false;
  }
}

package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.OneLineText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.Locale;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses an API request whose body carries a content coding ({@code Content-Encoding: gzip}): the
 * control plane decodes none, and neither Tomcat nor Spring does, so the body would be read as it
 * is. A compressed rule document was answered 400 "malformed JSON at line 1, column 2", a mistake
 * to look for in a document that has none, and a body that only claimed a coding was stored. 415
 * with {@code Accept-Encoding: identity} says what to send instead (RFC 9110 section 15.5.16, RFC
 * 7694). {@code identity} is no coding; a request without a body is left alone, as the header then
 * describes nothing.
 */
final class ContentCodingInterceptor implements HandlerInterceptor {

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!hasBody(request)) {
      return true;
    }
    for (String header : Collections.list(request.getHeaders("Content-Encoding"))) {
      for (String coding : header.split(",")) {
        String name = coding.strip();
        if (!name.isEmpty() && !name.equalsIgnoreCase("identity")) {
          response.setHeader("Accept-Encoding", "identity");
          throw new ApiException(
              ProblemType.UNSUPPORTED_MEDIA_TYPE,
              "the request body is sent with Content-Encoding: "
                  + OneLineText.escape(header.strip())
                  + ", which the control plane does not decode; send the body as it is, without"
                  + " Content-Encoding");
        }
      }
    }
    return true;
  }

  /** Whether the request has a body: a length above 0, or chunks (which may hold data). */
  private static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0
        || request.getHeader("Transfer-Encoding") != null
            && !request.getHeader("Transfer-Encoding").toLowerCase(Locale.ROOT).equals("identity");
  }
}

package io.sluice.controlplane.web;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Labels an answer that is no problem {@code application/json} when content negotiation picked
 * {@code application/problem+json} for it. A client that accepts only problem details ({@code
 * Accept: application/problem+json}, as some error-handling clients send) is answered a read's JSON
 * anyway, as RFC 9110 lets a server disregard {@code Accept} rather than answer 406; the JSON
 * converter takes any {@code application/*+json} for its own, so the answer went out labeled a
 * problem document, which a client would read as a failure.
 */
@ControllerAdvice
final class JsonAnswerType implements ResponseBodyAdvice<Object> {

  @Override
  public boolean supports(
      MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
    return true;
  }

  @Override
  public Object beforeBodyWrite(
      Object body,
      MethodParameter returnType,
      MediaType selectedContentType,
      Class<? extends HttpMessageConverter<?>> selectedConverterType,
      ServerHttpRequest request,
      ServerHttpResponse response) {
    if (!(body instanceof ProblemDetail)
        && selectedContentType.equalsTypeAndSubtype(MediaType.APPLICATION_PROBLEM_JSON)) {
      response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
    }
    return body;
  }
}

package io.sluice.controlplane;

import java.util.Map;

/**
 * A problem the API answers as RFC 9457 problem details: thrown by any feature, turned into a
 * response by the one {@code @RestControllerAdvice}. The detail and properties go to the client, so
 * they must never carry rule content, class names or stack traces.
 */
public final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ProblemType problem;
  private final transient Map<String, Object> properties;

  public ApiException(ProblemType problem, String detail) {
    this(problem, detail, Map.of());
  }

  public ApiException(ProblemType problem, String detail, Map<String, Object> properties) {
    super(detail, null, false, false);
    this.problem = problem;
    this.properties = Map.copyOf(properties);
  }

  /** The kind of problem. */
  public ProblemType problem() {
    return problem;
  }

  /** Extra members of the problem document, e.g. {@code errors}. */
  public Map<String, Object> properties() {
    return properties;
  }
}

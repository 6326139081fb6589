package io.sluice.controlplane;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A problem the API answers as RFC 9457 problem details: thrown by any feature, turned into a
 * response by the one {@code @RestControllerAdvice}. The detail and properties go to the client, so
 * they must never carry rule content, class names or stack traces.
 */
public final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ProblemType problem;
  private final transient Map<String, Object> properties;

  /** See {@link #etcdWaitBegan()}; {@code null} when there was no wait. */
  private final Long etcdWaitBegan;

  public ApiException(ProblemType problem, String detail) {
    this(problem, detail, Map.of());
  }

  public ApiException(ProblemType problem, String detail, Map<String, Object> properties) {
    this(problem, detail, properties, null);
  }

  private ApiException(
      ProblemType problem, String detail, Map<String, Object> properties, Long etcdWaitBegan) {
    super(detail, null, false, false);
    this.problem = problem;
    // in the order given: they are written to the client in it (an immutable map's order changes
    // from one start to the next)
    this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    this.etcdWaitBegan = etcdWaitBegan;
  }

  /**
   * A 503 {@code etcd-unavailable} of a mirror that waited for its first read of etcd since {@code
   * waitBeganNanos} ({@code EtcdGateway.nanoTime()}) and still has not read it: as a failed etcd
   * call's send time does, that time tells the outage log whether etcd answered again during the
   * wait ({@link #etcdWaitBegan()}).
   */
  public static ApiException etcdUnavailableSince(String detail, long waitBeganNanos) {
    return new ApiException(ProblemType.ETCD_UNAVAILABLE, detail, Map.of(), waitBeganNanos);
  }

  /**
   * When the wait for etcd that ended in this 503 {@code etcd-unavailable} began ({@link
   * #etcdUnavailableSince}), on the clock of the gateway's send times; empty when it waited for
   * nothing (it failed when thrown) or is another problem. If etcd answered again meanwhile, the
   * 503 tells of the outage that ended, not of a new one ({@code EtcdOutageLog}).
   */
  public OptionalLong etcdWaitBegan() {
    return etcdWaitBegan == null ? OptionalLong.empty() : OptionalLong.of(etcdWaitBegan);
  }

  /** The kind of problem. */
  public ProblemType problem() {
    return problem;
  }

  /** Extra members of the problem document, e.g. {@code errors}, in the order given. */
  public Map<String, Object> properties() {
    return properties;
  }
}

package io.sluice.controlplane;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * Every kind of problem the API answers, each with a stable {@code type} URI ({@code
 * urn:sluice:problem:<slug>}) that clients may switch on, a status and a title. The slugs are part
 * of the API: never rename one.
 */
public enum ProblemType {
  INVALID_RULES("invalid-rules", HttpStatus.BAD_REQUEST, "The rule document is invalid"),
  INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "The request is invalid"),
  INVALID_SERVICE_NAME(
      "invalid-service-name", HttpStatus.BAD_REQUEST, "The service name is not valid"),
  UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "A valid bearer token is required"),
  FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "The token's role does not allow this"),
  CORS_REFUSED(
      "cors-refused",
      HttpStatus.FORBIDDEN,
      "The CORS settings do not allow this cross-origin request"),
  NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found"),
  METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
  NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
  UNSUPPORTED_MEDIA_TYPE(
      "unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
  NOT_A_DOCUMENT(
      "not-a-document", HttpStatus.CONFLICT, "That revision holds no document to roll back to"),
  HISTORY_ENTRY_UNREADABLE(
      "history-entry-unreadable",
      HttpStatus.CONFLICT,
      "The stored history entry cannot be read by this control plane"),
  STORED_DOCUMENT_INVALID(
      "stored-document-invalid",
      HttpStatus.CONFLICT,
      "The stored rule document is invalid; agents keep their last good rules"),
  WRITE_CONTENTION(
      "write-contention",
      HttpStatus.CONFLICT,
      "Other writes of the same rules kept getting in first; nothing was written"),
  PRECONDITION_FAILED(
      "stale-revision",
      HttpStatus.PRECONDITION_FAILED,
      "The rules are not at the revision the request's If-Match or If-None-Match expects"),
  PAYLOAD_TOO_LARGE("payload-too-large", HttpStatus.CONTENT_TOO_LARGE, "The request is too large"),
  ETCD_UNAVAILABLE(
      "etcd-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "The rule store (etcd) is unavailable"),
  ETCD_REFUSED(
      "etcd-refused",
      HttpStatus.INTERNAL_SERVER_ERROR,
      "The rule store (etcd) refused the request; retrying will not help"),
  TOO_MANY_EVENT_CLIENTS(
      "too-many-event-clients",
      HttpStatus.SERVICE_UNAVAILABLE,
      "The event stream has as many clients as it serves"),
  TOO_MANY_EVENT_STREAMS_OF_CALLER(
      "too-many-event-streams-of-caller",
      HttpStatus.TOO_MANY_REQUESTS,
      "The caller has as many event streams open as one caller may"),
  INTERNAL("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

  private final URI type;
  private final HttpStatus status;
  private final String title;

  ProblemType(String slug, HttpStatus status, String title) {
    this.type = URI.create("urn:sluice:problem:" + slug);
    this.status = status;
    this.title = title;
  }

  /**
   * The type for an error status that arose outside Sluice's own code (Spring MVC's or the servlet
   * container's refusals): the general problem of that status, {@link #INTERNAL} for the rest.
   */
  public static ProblemType forStatus(int status) {
    return switch (status) {
      case 400 -> INVALID_REQUEST;
      case 401 -> UNAUTHORIZED;
      case 403 -> FORBIDDEN;
      case 404 -> NOT_FOUND;
      case 405 -> METHOD_NOT_ALLOWED;
      case 406 -> NOT_ACCEPTABLE;
      case 413 -> PAYLOAD_TOO_LARGE;
      case 415 -> UNSUPPORTED_MEDIA_TYPE;
      case 503 -> ETCD_UNAVAILABLE;
      default -> INTERNAL;
    };
  }

  /** The stable {@code type} URI. */
  public URI type() {
    return type;
  }

  /** The HTTP status. */
  public HttpStatus status() {
    return status;
  }

  /** A short, fixed summary. */
  public String title() {
    return title;
  }
}

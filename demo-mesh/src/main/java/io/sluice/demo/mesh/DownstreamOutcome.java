package io.sluice.demo.mesh;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * How a call to a dependency ended, in the words a user of the demo should read.
 *
 * <p>A call either answered 2xx with a JSON object ({@link #ok()}), or it did not, and then {@link
 * #reason()} says why. {@link #rejectedByBreaker()} is true when a circuit breaker stopped the call
 * instead of the dependency failing it: the Sluice agent either fails the call with an I/O error
 * whose message names the breaker ({@code onOpen.mode: error}) or answers a synthetic response
 * ({@code onOpen.mode: response}, 503 by default) that we recognise by the same words in its status
 * message (the agent's {@code Sluice circuit breaker open}) or body, or by an {@code
 * x-sluice-breaker} header a policy may add.
 *
 * @param status the HTTP status, or 0 when there was no response
 * @param body the JSON body of a response, or an empty object
 * @param reason why the call failed, or {@code null} when it succeeded
 * @param rejectedByBreaker whether a circuit breaker rejected the call
 */
record DownstreamOutcome(int status, JsonObject body, String reason, boolean rejectedByBreaker) {
  private static final String BREAKER_WORDS = "circuit breaker";

  /** Whether the dependency answered 2xx. */
  boolean ok() {
    return reason == null;
  }

  static DownstreamOutcome fromResponse(String dependency, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    JsonObject body = jsonOrEmpty(response.body());
    if (status >= 200 && status < 300) {
      return new DownstreamOutcome(status, body, null, false);
    }
    String text = response.bodyAsString() == null ? "" : response.bodyAsString();
    String statusMessage = response.statusMessage() == null ? "" : response.statusMessage();
    boolean breaker =
        response.getHeader("x-sluice-breaker") != null
            || statusMessage.toLowerCase(Locale.ROOT).contains(BREAKER_WORDS)
            || text.toLowerCase(Locale.ROOT).contains(BREAKER_WORDS);
    String reason =
        breaker
            ? dependency + " rejected by circuit breaker (HTTP " + status + ")"
            : dependency + " answered HTTP " + status;
    return new DownstreamOutcome(status, body, reason, breaker);
  }

  static DownstreamOutcome fromFailure(String dependency, Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    if (message.toLowerCase(Locale.ROOT).contains(BREAKER_WORDS)) {
      return new DownstreamOutcome(
          0, new JsonObject(), dependency + " rejected by circuit breaker: " + message, true);
    }
    if (failure instanceof TimeoutException) {
      return new DownstreamOutcome(0, new JsonObject(), dependency + " timed out", false);
    }
    return new DownstreamOutcome(
        0,
        new JsonObject(),
        dependency + " unreachable: " + failure.getClass().getSimpleName() + ": " + message,
        false);
  }

  private static JsonObject jsonOrEmpty(Buffer body) {
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      return body.toJsonObject();
    } catch (RuntimeException notAnObject) {
      return new JsonObject();
    }
  }
}

package io.sluice.javaagent.instrumentation.vertx;

import io.opentelemetry.instrumentation.api.util.VirtualField;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.http.HttpClientRequest;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The breaker call of each Vert.x request the breakers let through, so that the app giving up on a
 * request ({@code HttpClientRequest#reset}, or {@code cancel} since Vert.x 5.1) abandons its call
 * instead of failing it. Vert.x fails the response of a request the app resets just as it fails one
 * whose connection the server closed, so the response alone cannot tell the app's cancel from the
 * target's failure; the reset itself can (see {@link HttpClientRequestInstrumentation}).
 *
 * <p>A helper class, injected into the app's class loader next to Vert.x. The link is a {@link
 * VirtualField}: a field the agent adds to the request classes, registered by {@link
 * VertxHttpClientInstrumentationModule#registerVirtualFields}. A field the agent cannot provide
 * only loses this distinction, never the breakers themselves.
 */
public final class VertxRequestCalls {

  /**
   * The link, or {@code null} when the agent could not provide it (logged once, when this class
   * loads).
   */
  private static final VirtualField<HttpClientRequest, SluiceCall> CALLS = find();

  private VertxRequestCalls() {}

  private static VirtualField<HttpClientRequest, SluiceCall> find() {
    try {
      return VirtualField.find(HttpClientRequest.class, SluiceCall.class);
    } catch (RuntimeException | LinkageError e) {
      Logger.getLogger(VertxRequestCalls.class.getName())
          .log(
              Level.WARNING,
              "Sluice: no link from Vert.x requests to their breaker calls; a request the app"
                  + " resets counts as a failure of its target",
              e);
      return null;
    }
  }

  /** Records {@code call} as the breaker call of {@code request}. */
  public static void link(HttpClientRequest request, SluiceCall call) {
    if (CALLS != null) {
      CALLS.set(request, call);
    }
  }

  /**
   * Abandons the call of a request the app resets or cancels, if it has one: it counts neither as a
   * success nor as a failure (a slow call once it ran past its policy's {@code slowCallDuration}),
   * unless its outcome came first (only the first of the two counts).
   */
  public static void abandon(HttpClientRequest request) {
    SluiceCall call = CALLS == null ? null : CALLS.get(request);
    if (call != null) {
      call.abandon();
    }
  }

  /**
   * A pipe into {@code destination} failed with {@code cause}, and its own result with {@code
   * pipeFailure}. When the destination is a request with a call and the pipe failed with that very
   * {@code cause}, its source failed or was closed: the app's body failing, and the call is
   * discarded (it counts neither way, whatever the request then gets). A write to the request that
   * failed reaches the pipe's result wrapped (see {@link PipeInstrumentation}): the target's, left
   * to the request's own outcome.
   */
  public static void pipeFailed(Object destination, Throwable cause, Throwable pipeFailure) {
    if (CALLS == null
        || !(destination instanceof HttpClientRequest)
        || cause == null
        || pipeFailure != cause) {
      return;
    }
    SluiceCall call = CALLS.get((HttpClientRequest) destination);
    if (call != null) {
      call.discard();
    }
  }
}

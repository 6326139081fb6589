package io.sluice.javaagent.bridge;

import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One guarded outgoing call as the instrumented HTTP clients see it. It lives on the bootstrap
 * class path so advice inlined into any class loader can read it; the extension subclasses it to
 * forward outcomes to the SDK's breaker.
 *
 * <p>A rejected call carries what the client answers instead: an I/O error with {@link #message()},
 * or (when {@link #respond()}) a synthetic response with {@link #status()}, {@link #headers()} and
 * {@link #body()}. A permitted call reports one outcome, or is {@linkplain #abandon() abandoned}
 * when it never got one that says anything about the target; only the first of these counts, even
 * when two threads race (the client completing a call the app cancels). As a {@link BiConsumer} it
 * can be handed to a {@code CompletableFuture#whenComplete} directly.
 */
public abstract class SluiceCall implements BiConsumer<Object, Throwable> {

  private final String message;
  private final boolean respond;
  private final int status;
  private final Map<String, String> headers;
  private final String body;

  /** A permitted call. */
  protected SluiceCall() {
    this(null, false, 0, Map.of(), "");
  }

  /**
   * A rejected call.
   *
   * @param message the I/O error's message (also set in response mode, for logs)
   * @param respond answer with a synthetic response instead of failing
   * @param status the synthetic response's status
   * @param headers the synthetic response's headers
   * @param body the synthetic response's body
   */
  protected SluiceCall(
      String message, boolean respond, int status, Map<String, String> headers, String body) {
    this.message = message;
    this.respond = respond;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  /** Whether the breaker refused the call: it must not leave the process. */
  public final boolean rejected() {
    return message != null;
  }

  /** The message of the I/O error a rejected call fails with. */
  public final String message() {
    return message;
  }

  /** Whether a rejected call answers with a synthetic response rather than an error. */
  public final boolean respond() {
    return respond;
  }

  /** The synthetic response's status. */
  public final int status() {
    return status;
  }

  /** The synthetic response's headers. */
  public final Map<String, String> headers() {
    return headers;
  }

  /** The synthetic response's body. */
  public final String body() {
    return body;
  }

  /**
   * Records a rejected call as a CLIENT span of its own (with the rejection event and an error
   * status), for clients whose own instrumentation starts its span only once the request leaves the
   * process, which a rejected call never does. Does nothing for a permitted call. Never throws.
   *
   * @param url the call's full URL
   * @param errorType the type of the exception the client fails with, or {@code null} when it
   *     answers with a synthetic response
   */
  public void traceRejection(String url, String errorType) {}

  /**
   * Reports that this rejected call's synthetic response could not be built: the client refused it
   * (the rule language refuses what clients are known to refuse, so this means a client stricter
   * than expected), or code running while it was built failed (the JDK client's caller's {@code
   * BodyHandler}, with any {@link Throwable}). The advice then fails the call as in mode {@code
   * error}. Logged once. Never throws.
   */
  public void responseRefused(Throwable error) {}

  /**
   * Whether the call has ended: its first outcome, abandonment or discard went through, and nothing
   * more counts. The default is {@code false} (a call that never says).
   */
  public boolean ended() {
    return false;
  }

  /** Reports that the call completed with an HTTP status. Never throws. */
  public abstract void onResponse(int status);

  /** Reports that the call failed. Never throws. */
  public abstract void onError(Throwable error);

  /**
   * Gives back the breaker's permission of a call that ends without an outcome: the caller
   * cancelled it, or it failed before the request left the process. It counts neither as a success
   * nor as a failure, so a half-open breaker's trial call that the app cancels lets the next call
   * try instead of opening the breaker again. Genuine I/O failures (a refused connection, a reset
   * by the server, a timeout) are {@link #onError}. Never throws.
   */
  public abstract void abandon();

  /**
   * Ends a call that failed for the app's own reasons (its request body failed, or did not match
   * the length it declared): it gives the breaker's permission back and counts neither way however
   * long it ran, where {@link #abandon()} counts a call given up on after the policy's {@code
   * slowCallDuration} as slow. Only the first outcome, abandonment or discard counts. Never throws.
   * The default abandons the call.
   */
  public void discard() {
    abandon();
  }

  /**
   * Takes {@code nanos} the call spent waiting for a connection of the app's own pool out of its
   * duration (see {@link PoolWaits}). Before the outcome only; never throws. The default does
   * nothing.
   */
  public void excludeFromDuration(long nanos) {}

  /**
   * Reports an asynchronous outcome: a failure, or a response whose status the extension reads.
   * Never throws.
   */
  @Override
  public abstract void accept(Object response, Throwable error);
}

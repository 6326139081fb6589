package io.sluice.javaagent.instrumentation.vertx;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.api.util.VirtualField;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One CLIENT span, and the trace headers on the head, for a Vert.x request whose head leaves before
 * it ends: what the advice of {@link WrittenHeadInstrumentation}, {@link SentHeadInstrumentation}
 * and {@link EndedAfterHeadInstrumentation} calls.
 *
 * <p>The agent's Vert.x client instrumentation (2.31) starts a CLIENT span, and puts the trace
 * headers, on every call of {@code sendHead} and {@code end}, unless a CLIENT span is current: a
 * request whose head the app sends first ({@code sendHead}, as for {@code Expect: 100-continue})
 * had two CLIENT spans, the first never ended (so never exported) yet the parent on the wire. A
 * request whose body the app writes first ({@code write}, as {@code send(ReadStream)}'s pipe does)
 * sent its head with its first chunk, before either; its trace headers came from the agent's Netty
 * instrumentation, whose own CLIENT span stood beside the Vert.x one started at {@code end}.
 *
 * <p>So a first {@code write} sends the head through {@code sendHead()} first, the context the
 * agent's advice makes current there (its CLIENT span's) is remembered on the request, and every
 * later {@code sendHead} and {@code end} of the request runs in it: the agent starts no second span
 * (a CLIENT span is current), and the first one ends with the response or failure, as the agent
 * ends it. A helper class, injected into the app's class loader beside its Vert.x; the link is a
 * {@link VirtualField} registered by {@link VertxTraceHeadersInstrumentationModule}. Without it
 * (the agent could not provide it, logged once) requests keep the agent's own behaviour.
 */
public final class WrittenHeads {

  /** The context of each request's sent head, or {@code null} without the link. */
  private static final VirtualField<HttpClientRequest, SentHead> HEADS = find();

  private WrittenHeads() {}

  private static VirtualField<HttpClientRequest, SentHead> find() {
    try {
      return VirtualField.find(HttpClientRequest.class, SentHead.class);
    } catch (RuntimeException | LinkageError e) {
      Logger.getLogger(WrittenHeads.class.getName())
          .log(
              Level.WARNING,
              "Sluice: no link from Vert.x requests to the context of their sent heads; a request"
                  + " whose head leaves before it ends may have two CLIENT spans",
              e);
      return null;
    }
  }

  /**
   * Sends the head of a request whose head has not left yet through its {@code sendHead()}, where
   * the {@code write} about to run would send it: the request is chunked or has a {@code
   * Content-Length} (else {@code write} throws, and must throw as before, with nothing sent), and
   * its response is not complete (a request the app or the connection reset fails its writes; no
   * span should start for it). Vert.x then writes the head and the chunk one after the other, as it
   * would have written them together. Not without the link: the span the head names could not be
   * kept for {@code end}, which would start a second one.
   */
  public static void sendBeforeFirstChunk(HttpClientRequest request) {
    if (HEADS != null
        && (request.isChunked() || request.headers().contains(HttpHeaders.CONTENT_LENGTH))
        && !request.response().isComplete()) {
      request.sendHead();
    }
  }

  /**
   * Within {@code sendHead}, inside the agent's advice: remembers the current context, the CLIENT
   * span's the agent started for the head, unless the request has one remembered already.
   */
  public static void remember(HttpClientRequest request) {
    if (HEADS != null && HEADS.get(request) == null) {
      HEADS.set(request, new SentHead(Context.current()));
    }
  }

  /**
   * Around {@code sendHead} and {@code end}, outside the agent's advice: makes the context of the
   * request's sent head current, if it has one.
   *
   * @return the scope to close when the method returns, or {@code null}
   */
  public static Scope enterSentHead(HttpClientRequest request) {
    SentHead head = HEADS == null ? null : HEADS.get(request);
    return head == null ? null : head.context.makeCurrent();
  }

  /** The context current where a request's head was sent. */
  public static final class SentHead {
    final Context context;

    SentHead(Context context) {
      this.context = context;
    }
  }
}

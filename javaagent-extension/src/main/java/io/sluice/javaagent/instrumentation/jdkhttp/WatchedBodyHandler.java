package io.sluice.javaagent.instrumentation.jdkhttp;

import io.sluice.javaagent.bridge.RequestBodyFailures;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The app's {@code BodyHandler}, watched for the body subscriber it returns failing on its own: the
 * JDK client fails the call with what the subscriber fails with, an {@code IOException} when it is
 * the app's file that cannot be written ({@code BodyHandlers.ofFile} into a directory that does not
 * exist, a full disk), which would count as a failure of a target that answered. A subscriber whose
 * body fails without the client having told it of a failure ({@code onError}) failed on its own:
 * that failure is noted as the app's ({@link RequestBodyFailures}), and the call counts neither
 * way, as one whose request body the app failed. A failure the client tells it (the connection
 * reset while the body arrived) stays the target's. The JDK's own in-memory subscribers are handed
 * on unwatched (see {@link #CANNOT_FAIL_ON_THEIR_OWN}).
 *
 * <p>A helper class, injected with {@link JdkHttpCalls} into the loader of {@code java.net.http}.
 *
 * @param <T> the body type
 */
public final class WatchedBodyHandler<T> implements HttpResponse.BodyHandler<T> {

  private final HttpResponse.BodyHandler<T> handler;

  private WatchedBodyHandler(HttpResponse.BodyHandler<T> handler) {
    this.handler = handler;
  }

  /** {@code handler} watched, when it is a {@code BodyHandler}; else itself. */
  static Object watch(Object handler) {
    return handler instanceof HttpResponse.BodyHandler<?> bodyHandler
        ? new WatchedBodyHandler<>(bodyHandler)
        : handler;
  }

  /**
   * The JDK's own subscribers that run no code of the app's and write nowhere, so they cannot fail
   * on their own ({@code ofString}, {@code ofByteArray}, {@code discarding}, {@code replacing},
   * {@code ofInputStream}): left unwatched. A subscriber the JDK does not know as its own makes it
   * run the body's completion on the client's executor, one more task (and thread hop) per
   * response, which the commonest handlers should not pay for nothing.
   */
  private static final Set<String> CANNOT_FAIL_ON_THEIR_OWN =
      Set.of(
          "jdk.internal.net.http.ResponseSubscribers$ByteArraySubscriber",
          "jdk.internal.net.http.ResponseSubscribers$NullSubscriber",
          "jdk.internal.net.http.ResponseSubscribers$HttpResponseInputStream");

  @Override
  public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo responseInfo) {
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(responseInfo);
    return subscriber == null || CANNOT_FAIL_ON_THEIR_OWN.contains(subscriber.getClass().getName())
        ? subscriber
        : new Subscriber<>(subscriber);
  }

  /**
   * Passes everything on to the app's subscriber; its body is handed on once a failure of its own
   * was noted, so that the call's outcome, which the client decides from that body, finds it.
   */
  static final class Subscriber<T> implements HttpResponse.BodySubscriber<T> {

    private final HttpResponse.BodySubscriber<T> subscriber;
    private final CompletableFuture<T> body = new CompletableFuture<>();
    private final AtomicBoolean watching = new AtomicBoolean();
    private volatile boolean toldOfFailure;

    Subscriber(HttpResponse.BodySubscriber<T> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public CompletionStage<T> getBody() {
      if (watching.compareAndSet(false, true)) {
        subscriber
            .getBody()
            .whenComplete(
                (value, failure) -> {
                  if (failure == null) {
                    body.complete(value);
                    return;
                  }
                  if (!toldOfFailure) {
                    try {
                      RequestBodyFailures.appBodyFailed(unwrapped(failure));
                    } catch (RuntimeException | LinkageError e) {
                      // noting is Sluice's; the body fails as the app's subscriber said anyway
                    }
                  }
                  body.completeExceptionally(failure);
                });
      }
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscriber.onSubscribe(subscription);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      subscriber.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      toldOfFailure = true;
      subscriber.onError(throwable);
    }

    @Override
    public void onComplete() {
      subscriber.onComplete();
    }

    private static Throwable unwrapped(Throwable failure) {
      Throwable current = failure;
      for (int depth = 0;
          depth < 4
              && (current instanceof CompletionException || current instanceof ExecutionException)
              && current.getCause() != null;
          depth++) {
        current = current.getCause();
      }
      return current;
    }
  }
}

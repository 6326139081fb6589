package io.sluice.javaagent.testapp;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Supplier;

/**
 * An app's Vert.x body stream that, once read, hands over one byte and then fails with the app's
 * own {@code cause}, on {@code vertx}'s context as a stream of the app's would: a request body the
 * target never saw fail, for the core client's and {@code WebClient}'s styles alike.
 */
final class FailingBodyStream implements ReadStream<Buffer> {
  private final Vertx vertx;
  private final Supplier<Throwable> cause;
  private Handler<Buffer> data;
  private Handler<Throwable> failure;
  private boolean started;

  FailingBodyStream(Vertx vertx, Supplier<Throwable> cause) {
    this.vertx = vertx;
    this.cause = cause;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    failure = handler;
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    data = handler;
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (!started && data != null) {
      started = true;
      vertx.runOnContext(
          v -> {
            data.handle(Buffer.buffer("{"));
            failure.handle(cause.get());
          });
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    return resume();
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    return this;
  }
}

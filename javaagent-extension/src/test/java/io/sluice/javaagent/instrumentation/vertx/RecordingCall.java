package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceCall;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link SluiceCall} that records every report, in order, for the Vert.x unit tests: the real
 * call counts only the first (see {@link SluiceCall}), these tests check which reports came at all.
 * An abandonment is recorded as {@code "abandoned"}, a discard as {@code "discarded"}, a response
 * as its status or object, a failure as its exception; waits taken out of its duration apart.
 */
final class RecordingCall extends SluiceCall {
  final List<Object> reports = new CopyOnWriteArrayList<>();

  /** The waits taken out of the call's duration, in nanoseconds, in order. */
  final List<Long> excluded = new CopyOnWriteArrayList<>();

  @Override
  public void excludeFromDuration(long nanos) {
    excluded.add(nanos);
  }

  @Override
  public void onResponse(int status) {
    reports.add(status);
  }

  @Override
  public void onError(Throwable error) {
    reports.add(error);
  }

  @Override
  public void abandon() {
    reports.add("abandoned");
  }

  @Override
  public void discard() {
    reports.add("discarded");
  }

  @Override
  public void accept(Object response, Throwable error) {
    reports.add(error != null ? error : response);
  }
}

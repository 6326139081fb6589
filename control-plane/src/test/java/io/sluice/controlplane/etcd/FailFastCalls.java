package io.sluice.controlplane.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the calls a jetcd client sends that do not wait for a connection: the extra calls the
 * control plane sends to learn why etcd failed ({@link FirstContact}), where jetcd's own calls wait
 * for a connection. Tests use it to see how many such calls a run of failures cost.
 */
final class FailFastCalls implements ClientInterceptor {

  private final AtomicInteger sent = new AtomicInteger();

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    if (!options.isWaitForReady()) {
      sent.incrementAndGet();
    }
    return next.newCall(method, options);
  }

  /** How many calls not waiting for a connection were sent so far. */
  int sent() {
    return sent.get();
  }
}

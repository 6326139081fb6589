package io.sluice.sdk.source;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client interceptor that answers every watch created as an etcd member {@code lag} revisions
 * behind the cluster does: the created notice's header carries that member's revision, below what a
 * linearizable read just before saw. The events themselves pass untouched, as the lagging member
 * delivers them once it has caught up; here the one member of the tests' etcd holds them already.
 */
final class WatchesCreatedBehind implements ClientInterceptor {

  private static final String WATCH = "etcdserverpb.Watch/Watch";

  private final long lag;
  private final AtomicInteger created = new AtomicInteger();

  WatchesCreatedBehind(long lag) {
    this.lag = lag;
  }

  /** How many watches were created through this interceptor. */
  int created() {
    return created.get();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    ClientCall<Q, A> call = next.newCall(method, options);
    if (!method.getFullMethodName().equals(WATCH)) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<A> listener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(A message) {
                super.onMessage(behind(message));
              }
            },
            headers);
      }
    };
  }

  @SuppressWarnings("unchecked")
  private <A> A behind(A message) {
    if (!(message instanceof WatchResponse response) || !response.getCreated()) {
      return message;
    }
    created.incrementAndGet();
    ResponseHeader header = response.getHeader();
    return (A)
        response.toBuilder()
            .setHeader(header.toBuilder().setRevision(header.getRevision() - lag))
            .build();
  }
}

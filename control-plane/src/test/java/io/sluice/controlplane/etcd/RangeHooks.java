package io.sluice.controlplane.etcd;

import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A gRPC interceptor for a test's etcd client (its builder's {@code interceptor}) that runs the
 * test's action at a chosen moment of the client's reads (etcd's {@code KV/Range} calls): before
 * one is sent, or once etcd answered it and before the caller sees the answer. So a test puts a
 * write or a compaction between two reads of one operation, every time, without timing: the
 * operation's reads are the real client's, against the real etcd. The action runs on the thread
 * that sends the read or receives its answer: make it with another client (the test server's own
 * calls, {@code EtcdServer#put}, {@code #compact}), never this one.
 */
public final class RangeHooks implements ClientInterceptor {

  private record Hook(
      boolean afterAnswer, Predicate<RangeRequest> when, AtomicInteger left, Runnable action) {

    /** Whether it runs for {@code request}, counting the run. */
    boolean takes(boolean answered, RangeRequest request) {
      return afterAnswer == answered
          && when.test(request)
          && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }
  }

  private final List<Hook> hooks = new CopyOnWriteArrayList<>();

  /** Reads of a key under {@code prefix} (or of {@code prefix} itself). */
  public static Predicate<RangeRequest> under(String prefix) {
    return request -> request.getKey().toString(StandardCharsets.UTF_8).startsWith(prefix);
  }

  /** Reads at a given revision (a later page of a paged read, a read at another's revision). */
  public static Predicate<RangeRequest> atARevision() {
    return request -> request.getRevision() > 0;
  }

  /** Runs {@code action} before each of the next {@code times} reads {@code when} holds for. */
  public void beforeSend(Predicate<RangeRequest> when, int times, Runnable action) {
    hooks.add(new Hook(false, when, new AtomicInteger(times), action));
  }

  /**
   * Runs {@code action} once etcd answered each of the next {@code times} reads {@code when} holds
   * for, before the caller sees the answer.
   */
  public void afterAnswer(Predicate<RangeRequest> when, int times, Runnable action) {
    hooks.add(new Hook(true, when, new AtomicInteger(times), action));
  }

  /** Forgets every hook not run out yet. */
  public void clear() {
    hooks.clear();
  }

  private void run(boolean answered, RangeRequest request) {
    for (Hook hook : hooks) {
      if (hook.takes(answered, request)) {
        hook.action().run();
      }
    }
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    ClientCall<Q, A> call = next.newCall(method, options);
    if (!method.getFullMethodName().equals("etcdserverpb.KV/Range")) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      private volatile RangeRequest sent;

      @Override
      public void start(Listener<A> listener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(A answer) {
                RangeRequest request = sent;
                if (request != null) {
                  run(true, request);
                }
                super.onMessage(answer);
              }
            },
            headers);
      }

      @Override
      public void sendMessage(Q message) {
        if (message instanceof RangeRequest request) {
          sent = request;
          run(false, request);
        }
        super.sendMessage(message);
      }
    };
  }
}

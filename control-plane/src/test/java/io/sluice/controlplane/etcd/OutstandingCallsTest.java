package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link OutstandingCalls} on a real gRPC channel to an endpoint that answers HTTP/2's preface and
 * no call (an etcd member without a quorum): a call waits there until its deadline, or until the
 * control plane stops.
 */
class OutstandingCallsTest {

  /**
   * Spring may stop a context's lifecycles and start them again ({@code
   * ConfigurableApplicationContext.stop()}, then {@code start()}): the calls after the new start
   * are the running control plane's, to be answered, not cancelled as those of a stop. Every one
   * was cancelled, for good, once the first stop had begun.
   */
  @Test
  void callsAfterAStopAndANewStartAreNotCancelled() throws Exception {
    OutstandingCalls calls = new OutstandingCalls(Duration.ofSeconds(30));
    calls.start();
    calls.stop();
    calls.start();

    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly()) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", silentEtcd.port()).usePlaintext().build();
      try {
        StatusRuntimeException failed =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    ClientCalls.blockingUnaryCall(
                        ClientInterceptors.intercept(channel, calls),
                        KVGrpc.getRangeMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/")).build()));

        assertThat(failed.getStatus().getCode())
            .as("%s", failed.getStatus())
            .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A stop that comes while a call is starting (here, run from inside the start, below the
   * interceptor: exactly between the call's being kept and its starting) ends that call as any
   * other, CANCELLED. Before, the stop cancelled the call before it had started, and gRPC then
   * threw {@code IllegalStateException: call was cancelled} out of {@code start()} at the caller.
   */
  @Test
  void aStopWhileACallStartsCancelsItWithoutAnException() throws Exception {
    OutstandingCalls calls = new OutstandingCalls(Duration.ofSeconds(30));
    calls.start();
    ClientInterceptor stopsMidStart =
        new ClientInterceptor() {
          @Override
          public <Q, A> ClientCall<Q, A> interceptCall(
              MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
              @Override
              public void start(Listener<A> listener, Metadata headers) {
                calls.stop();
                super.start(listener, headers);
              }
            };
          }
        };

    assertCancelledOnAResolvedChannel(stopsMidStart, calls);
  }

  /**
   * A call that starts once the control plane is stopping is cancelled (it would only wait), and
   * its caller sees CANCELLED. Before, the cancel came inside {@code start()}, and gRPC threw
   * {@code IllegalStateException: call was cancelled} out of the {@code sendMessage()} that
   * follows.
   */
  @Test
  void aCallStartedWhileStoppingIsCancelledWithoutAnException() throws Exception {
    OutstandingCalls calls = new OutstandingCalls(Duration.ofSeconds(30));
    calls.start();
    calls.stop();

    assertCancelledOnAResolvedChannel(calls);
  }

  /**
   * A write ends a second at most after the timeout, when its caller answers that its outcome is
   * unknown and to read before trying again: left to wait for a connection until twice the timeout,
   * as a read is, it could be applied after that read. Before, every call had twice the timeout.
   */
  @Test
  void aWriteEndsShortlyAfterTheTimeoutAndAReadAtTwiceTheTimeout() {
    Duration timeout = Duration.ofSeconds(30);
    OutstandingCalls calls = new OutstandingCalls(timeout);

    for (MethodDescriptor<?, ?> write :
        List.of(KVGrpc.getTxnMethod(), KVGrpc.getPutMethod(), KVGrpc.getDeleteRangeMethod())) {
      assertThat(deadlineOf(calls, write))
          .as(write.getFullMethodName())
          .isLessThanOrEqualTo(timeout.plusSeconds(1))
          .isGreaterThan(timeout.minusSeconds(5));
    }
    assertThat(deadlineOf(calls, KVGrpc.getRangeMethod()))
        .isGreaterThan(timeout.plusSeconds(20))
        .isLessThanOrEqualTo(timeout.multipliedBy(2));
  }

  /** How long the call {@code calls} makes of {@code method} is left to run. */
  private static Duration deadlineOf(OutstandingCalls calls, MethodDescriptor<?, ?> method) {
    AtomicReference<CallOptions> made = new AtomicReference<>();
    Channel recording =
        new Channel() {
          @Override
          public <Q, A> ClientCall<Q, A> newCall(
              MethodDescriptor<Q, A> called, CallOptions options) {
            made.set(options);
            return null; // never started here
          }

          @Override
          public String authority() {
            return "etcd";
          }
        };
    calls.interceptCall(method, CallOptions.DEFAULT, recording);
    return Duration.ofNanos(made.get().getDeadline().timeRemaining(TimeUnit.NANOSECONDS));
  }

  /**
   * Makes a read through {@code interceptors} on a channel to a silent etcd that already resolved
   * its address, and checks that its caller gets CANCELLED and nothing else: a channel's first call
   * is one that waits for the resolution, which takes a cancel before its start in its stride;
   * later calls are gRPC's own, which do not.
   */
  private static void assertCancelledOnAResolvedChannel(ClientInterceptor... interceptors)
      throws Exception {
    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly()) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", silentEtcd.port()).usePlaintext().build();
      try {
        catchThrowable(() -> range(channel, Duration.ofMillis(300)));

        Throwable failed =
            catchThrowable(
                () ->
                    range(
                        ClientInterceptors.intercept(channel, interceptors),
                        Duration.ofSeconds(10)));

        assertThat(failed).isInstanceOf(StatusRuntimeException.class);
        assertThat(((StatusRuntimeException) failed).getStatus().getCode())
            .as("%s", ((StatusRuntimeException) failed).getStatus())
            .isEqualTo(Status.Code.CANCELLED);
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void range(Channel channel, Duration deadline) {
    ClientCalls.blockingUnaryCall(
        channel,
        KVGrpc.getRangeMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/")).build());
  }
}

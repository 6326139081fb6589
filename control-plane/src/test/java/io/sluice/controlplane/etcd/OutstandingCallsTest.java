package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;
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
    OutstandingCalls calls = new OutstandingCalls();
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
}

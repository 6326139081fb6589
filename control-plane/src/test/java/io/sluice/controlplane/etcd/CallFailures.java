package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdRefusal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * Real gRPC failures of calls to an endpoint, as the client's channel words them: what the hints
 * are read from, without writing a failure's message by hand.
 */
final class CallFailures {

  private CallFailures() {}

  /** A real gRPC failure of a call to {@code endpoint}, where nothing listens. */
  static Throwable refusedConnectionTo(String endpoint) throws Exception {
    return ofACallTo(endpoint, EtcdRefusal::connectionRefused);
  }

  /** A real gRPC failure of a call to {@code endpoint}, once it is one {@code wanted} accepts. */
  static Throwable ofACallTo(String endpoint, Predicate<Throwable> wanted) throws Exception {
    try (Client client = PlainEtcdSettings.client(List.of(endpoint), Duration.ofSeconds(3))) {
      client.getKVClient().get(ByteSequence.from("/sluice/", StandardCharsets.UTF_8));
      Awaitility.await("the client's channel")
          .atMost(Duration.ofSeconds(10))
          .until(() -> EtcdChannels.channel(client) != null);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Awaitility.await("the wanted failure")
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                failure.set(
                    catchThrowable(
                        () ->
                            ClientCalls.blockingUnaryCall(
                                EtcdChannels.channel(client),
                                KVGrpc.getRangeMethod(),
                                CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS),
                                RangeRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8("\0"))
                                    .build())));
                return failure.get() != null && wanted.test(failure.get());
              });
      return failure.get();
    }
  }
}

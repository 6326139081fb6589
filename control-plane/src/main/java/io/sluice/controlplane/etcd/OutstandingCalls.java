package io.sluice.controlplane.etcd;

import io.etcd.jetcd.api.KVGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps the etcd client's one-answer calls (reads, transactions) that are still waiting, and
 * cancels them when the control plane stops, before the client closes. Exists because jetcd gives
 * no way to cancel a call: the control plane gives up on one at its deadline, but with {@code
 * waitForReady} the call itself waits on for a connection while etcd is away. Closing the client
 * then failed every such call, and jetcd logged a WARN {@code retry failure} (and {@code maximum
 * number of auto retries reached}) line for each, dozens after a few minutes of an outage: noise
 * that read like an error of the shutdown. A cancelled call is not retried, nor logged, and its
 * caller is told it as the client's close ({@link #stopping()}, {@link
 * EtcdUnavailableException#clientClosed()}), not as an etcd outage.
 *
 * <p>Only calls still waiting when the control plane stops are cancelled (and any started after
 * that, until it is started again): a failure while it runs is logged as before. Streams (the
 * watches) are not kept: the client ends them itself when it closes.
 *
 * <p>Every one-answer call also gets a gRPC deadline of twice {@code sluice.etcd.timeout} ({@link
 * #deadline}): its caller gives up at the timeout, but jetcd's futures do not pass a cancel on to
 * the call, which without a deadline of its own waited for a connection until the control plane
 * stopped, and did the read (or the write) for no one once etcd came back. Twice, not once: the
 * caller's wait begins first and ends with its own words ("etcd did not answer within … ms"), and
 * the start's read is left that long to tell a slow etcd from one that serves no reads ({@link
 * EtcdWarmUp}). A call that ends at its deadline is neither retried by jetcd nor logged.
 *
 * <p>A write (a transaction, a put, a delete; a read made as a transaction too, which the
 * interceptor cannot tell apart) ends shortly after the timeout instead ({@link #writeDeadline}):
 * its caller, given up at the timeout, answers that whether the change was made is unknown and
 * tells the client to read the rules and their history first. A write left to wait for a connection
 * until twice the timeout could be sent and applied after that read showed nothing, under the name
 * of a client that believed it had failed. Not at the timeout itself: the caller's wait and the
 * call's deadline would race, and a caller thread that woke late would report gRPC's deadline
 * rather than its own words.
 */
final class OutstandingCalls implements ClientInterceptor, SmartLifecycle {

  /** The one-answer calls that change etcd's keys. */
  private static final Set<String> WRITES =
      Set.of(
          KVGrpc.getTxnMethod().getFullMethodName(),
          KVGrpc.getPutMethod().getFullMethodName(),
          KVGrpc.getDeleteRangeMethod().getFullMethodName());

  private final Set<Kept<?, ?>> waiting = ConcurrentHashMap.newKeySet();
  private final Duration deadline;
  private final Duration writeDeadline;
  private volatile boolean stopping;
  private volatile boolean running;

  /**
   * @param timeout {@code sluice.etcd.timeout}, the most a caller waits for a call
   */
  OutstandingCalls(Duration timeout) {
    this.deadline = deadline(timeout);
    this.writeDeadline = writeDeadline(timeout);
  }

  /**
   * How long after its start a write ends with {@code timeout}: the timeout and a margin for its
   * caller to give up first, half the timeout, at most a second.
   */
  static Duration writeDeadline(Duration timeout) {
    Duration margin = timeout.dividedBy(2);
    return timeout.plus(
        margin.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : margin);
  }

  /** How long after its start a one-answer call ends with {@code timeout}: twice the timeout. */
  static Duration deadline(Duration timeout) {
    return timeout.multipliedBy(2);
  }

  /** How long after its start a one-answer call ends, answered or not: twice the timeout. */
  Duration deadline() {
    return deadline;
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return next.newCall(method, options);
    }
    Duration after = WRITES.contains(method.getFullMethodName()) ? writeDeadline : deadline;
    Deadline ours = Deadline.after(after.toNanos(), TimeUnit.NANOSECONDS);
    Deadline theirs = options.getDeadline();
    return new Kept<>(
        next.newCall(
            method,
            theirs == null || ours.isBefore(theirs) ? options.withDeadline(ours) : options));
  }

  /** How many one-answer calls are still waiting for their answer. */
  int waiting() {
    return waiting.size();
  }

  /**
   * A call that is kept from its start until its answer (or failure) comes. A stop cancels it only
   * once its caller has sent the request (half-closed): gRPC throws {@code IllegalStateException:
   * call was cancelled} out of a {@code start()}, {@code sendMessage()} or {@code halfClose()} that
   * follows a cancel, at a caller that only asked for a read. A stop before that has the call
   * cancelled as soon as it is sent, and its caller sees CANCELLED, as any other.
   */
  private final class Kept<Q, A> extends ForwardingClientCall.SimpleForwardingClientCall<Q, A> {

    // guarded by this: the stop's thread and the caller's meet here
    private boolean halfClosed;
    private boolean cancelWhenHalfClosed;

    Kept(ClientCall<Q, A> call) {
      super(call);
    }

    @Override
    public synchronized void halfClose() {
      super.halfClose();
      halfClosed = true;
      if (cancelWhenHalfClosed) {
        cancelForStop(this);
      }
    }

    /** Cancels the call for the stop, now if it was sent, else as soon as it is. */
    synchronized void stopping() {
      if (halfClosed) {
        cancelForStop(this);
      } else {
        cancelWhenHalfClosed = true;
      }
    }

    @Override
    public void start(Listener<A> listener, Metadata headers) {
      waiting.add(this);
      super.start(
          new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              waiting.remove(Kept.this);
              super.onClose(status, trailers);
            }
          },
          headers);
      if (stopping) {
        stopping(); // started while the control plane stops: it would only wait
      }
    }
  }

  private static void cancelForStop(ClientCall<?, ?> call) {
    call.cancel("the control plane is stopping", null);
  }

  /** Started, or started again after a stop (a context's lifecycles may be): calls go on. */
  @Override
  public void start() {
    stopping = false;
    running = true;
  }

  /** Cancels every call still waiting: the control plane no longer waits for any. */
  @Override
  public void stop() {
    stopping = true;
    running = false;
    for (Kept<?, ?> call : waiting) {
      call.stopping();
    }
  }

  /**
   * Whether the control plane is stopping: from {@link #stop()}, which cancels the calls still
   * waiting, until a new {@link #start()}. The gateway reads it ({@link
   * EtcdGateway.Builder#stopping}) to take such a cancel for the client's close, not for an etcd
   * outage.
   */
  boolean stopping() {
    return stopping;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Stopped last, once the web server and everything else that calls etcd has stopped. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE;
  }
}

package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.http.HttpClientInternal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A forked JVM's main for {@code VertxOutcomeOnTheModulePathIT}: a request waiting in the pool of a
 * real Vert.x client when the app closes that client, watched by {@link VertxOutcome} as the
 * agent's advice watches it. Prints the module Vert.x runs in, whether {@link VertxOutcome#closing}
 * could tell the client is closing, what Vert.x failed the request with, and what the call was told
 * ({@code discarded}, or the failure).
 */
final class ClosedClientProbe {

  private ClosedClientProbe() {}

  public static void main(String[] args) throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    CountDownLatch accepted = new CountDownLatch(1);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(server.accept()); // accepts, never answers: holds the connection
                    accepted.countDown();
                  }
                } catch (Exception e) {
                  // the probe ends
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      Vertx vertx = Vertx.vertx();
      try {
        HttpClient client =
            vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1));
        String host = server.getInetAddress().getHostAddress();
        client
            .request(HttpMethod.GET, server.getLocalPort(), host, "/holding")
            .compose(HttpClientRequest::send);
        accepted.await(10, TimeUnit.SECONDS); // the first request holds the pool's connection
        Future<HttpClientRequest> queued =
            client.request(HttpMethod.GET, server.getLocalPort(), host, "/queued");
        Object impl = ((HttpClientInternal) client).unwrap(); // what the advice sees
        Recording call = new Recording();
        VertxOutcome.watch(call, impl, queued);
        client.close().await(10, TimeUnit.SECONDS);
        Object report = call.first.get(10, TimeUnit.SECONDS);
        System.out.println("module=" + impl.getClass().getModule().getName());
        System.out.println("closing=" + VertxOutcome.closing(impl));
        System.out.println("failure=" + queued.cause());
        System.out.println("report=" + report);
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The call's first report. */
  private static final class Recording extends SluiceCall {
    final CompletableFuture<Object> first = new CompletableFuture<>();

    @Override
    public void onResponse(int status) {
      first.complete(status);
    }

    @Override
    public void onError(Throwable error) {
      first.complete("failure " + error);
    }

    @Override
    public void abandon() {
      first.complete("abandoned");
    }

    @Override
    public void discard() {
      first.complete("discarded");
    }

    @Override
    public void accept(Object response, Throwable error) {
      first.complete(error != null ? error : response);
    }
  }
}

package io.sluice.javaagent.testapp;

import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The Reactor Netty {@code HttpClient} client styles, and Spring's {@code WebClient} on it (beside
 * {@link Clients}, whose Vert.x and JDK types have the same simple names). The clients follow
 * redirects, as the other styles' do.
 */
final class ReactorNettyClients {

  private static final class Default {
    static final HttpClient CLIENT =
        HttpClient.create().followRedirect(true).responseTimeout(Duration.ofSeconds(10));
  }

  /** For WebSocket sessions, which outlive any response timeout. */
  private static final class Plain {
    static final HttpClient CLIENT = HttpClient.create();
  }

  /** The sessions {@link #websocketConnect} opened and the server has not ended yet. */
  private static final Set<Connection> OPEN_SESSIONS = ConcurrentHashMap.newKeySet();

  private static final class Spring {
    static final WebClient CLIENT = webClient(Default.CLIENT);
  }

  private ReactorNettyClients() {}

  private static WebClient webClient(HttpClient client) {
    return WebClient.builder().clientConnector(new ReactorClientHttpConnector(client)).build();
  }

  /** {@code request(method).uri(url).send(body).responseSingle(...)}, as the app awaits it. */
  static ClientAnswer call(String method, String url) throws Exception {
    return await(answer(Default.CLIENT, method, url).toFuture());
  }

  /**
   * The call with a relative URI to a client whose remote address is the app's own supplier ({@code
   * remoteAddress(() -> ...)}, as an app that balances load or looks hosts up writes it), which
   * names the URL's host and port and counts how often it is asked: the answer carries the count in
   * the header {@code x-remote-address-asked} (under Sluice, once per request).
   */
  static ClientAnswer remoteAddress(String method, String url) throws Exception {
    URI target = URI.create(url);
    AtomicInteger asked = new AtomicInteger();
    HttpClient client =
        Default.CLIENT.remoteAddress(
            () -> {
              asked.incrementAndGet();
              return InetSocketAddress.createUnresolved(target.getHost(), target.getPort());
            });
    String path =
        target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    ClientAnswer answer = await(answer(client, method, path).toFuture());
    Map<String, String> headers = new HashMap<>(answer.headers());
    headers.put("x-remote-address-asked", Integer.toString(asked.get()));
    return new ClientAnswer(answer.status(), headers, answer.body());
  }

  /**
   * Subscribes to a call and, once its request is on the wire, disposes the subscription, as an app
   * giving up on a slow server does ({@code WebClient} on a timeout or a cancelled {@code Mono});
   * answers {@code cancelled} then, else the call's own answer (a rejected call's error).
   */
  static ClientAnswer cancel(String method, String url) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    HttpClient client = Default.CLIENT.doAfterRequest((request, connection) -> sent.complete(null));
    return cancelOnceSent(answer(client, method, url), sent);
  }

  private static ClientAnswer cancelOnceSent(Mono<ClientAnswer> call, CompletableFuture<Void> sent)
      throws Exception {
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    Disposable subscription = call.subscribe(answer::complete, answer::completeExceptionally);
    try {
      CompletableFuture.anyOf(sent, answer).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException failed) {
      // the call failed (a rejected call at once): answered below with its own error
    }
    if (sent.isDone() && !answer.isDone()) {
      subscription.dispose();
      return Clients.CANCELLED;
    }
    return await(answer);
  }

  /** {@code WebClient#method(...).uri(...).exchangeToMono(...)} on Reactor Netty. */
  static ClientAnswer webClient(String method, String url) throws Exception {
    return await(webClientAnswer(Spring.CLIENT, method, url).toFuture());
  }

  /** As {@link #cancel}, with {@code WebClient}: the app disposes its subscription. */
  static ClientAnswer webClientCancel(String method, String url) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    WebClient client =
        webClient(Default.CLIENT.doAfterRequest((request, connection) -> sent.complete(null)));
    return cancelOnceSent(webClientAnswer(client, method, url), sent);
  }

  /**
   * {@code websocket().uri(url).handle(...)}: upgrades, reads the first text message and ends the
   * session; answers status 101 and the body {@code websocket <message>}.
   */
  static ClientAnswer websocket(String method, String url) throws Exception {
    Mono<ClientAnswer> session =
        Plain.CLIENT
            .websocket()
            .uri(url)
            .handle((in, out) -> in.aggregateFrames().receive().asString().take(1))
            .next()
            .map(text -> new ClientAnswer(101, Map.of(), "websocket " + text));
    return await(session.toFuture());
  }

  /**
   * {@code websocket().uri(url).connect()}: upgrades and leaves the session open (until the server
   * ends it); answers status 101 and the body {@code websocket open}.
   */
  static ClientAnswer websocketConnect(String method, String url) throws Exception {
    Connection session =
        await(Plain.CLIENT.websocket().uri(url).connect().map(Connection.class::cast).toFuture());
    OPEN_SESSIONS.add(session);
    session.onDispose(() -> OPEN_SESSIONS.remove(session));
    return new ClientAnswer(101, Map.of(), "websocket open");
  }

  /**
   * A request whose body the app's own publisher fails ({@code send(Mono.error(...))}) before
   * anything is sent: the app's failure, which says nothing about the server.
   */
  static ClientAnswer failingBody(String method, String url) throws Exception {
    HttpClient.ResponseReceiver<?> receiver =
        Default.CLIENT
            .request(HttpMethod.valueOf(method))
            .uri(url)
            .send(Mono.error(new IllegalStateException(RequestBodyClients.APP_BODY_FAILED)));
    return await(answer(receiver).toFuture());
  }

  /**
   * A request whose body is a file the app lost ({@code send(ByteBufFlux.fromPath(missing))}):
   * Reactor Netty fails it with the file's {@code NoSuchFileException}, an I/O error that says
   * nothing about the server.
   */
  static ClientAnswer missingFileBody(String method, String url) throws Exception {
    HttpClient.ResponseReceiver<?> receiver =
        Default.CLIENT
            .request(HttpMethod.valueOf(method))
            .uri(url)
            .send(ByteBufFlux.fromPath(missingFile()));
    return await(answer(receiver).toFuture());
  }

  /** As {@link #missingFileBody}, sent with {@code sendFile(missing, 0, 16)}. */
  static ClientAnswer missingFileSent(String method, String url) throws Exception {
    Path missing = missingFile();
    HttpClient.ResponseReceiver<?> receiver =
        Default.CLIENT
            .request(HttpMethod.valueOf(method))
            .uri(url)
            .send((request, out) -> out.sendFile(missing, 0, 16));
    return await(answer(receiver).toFuture());
  }

  private static Path missingFile() {
    return Path.of(System.getProperty("java.io.tmpdir"), "sluice-missing-" + UUID.randomUUID());
  }

  /**
   * A client whose pool has one connection and waits 100 ms at most for it holds that connection (a
   * request to a URL the server holds back, on the wire) and asks again: the second request fails
   * with the pool's {@code PoolAcquireTimeoutException}, having never left. A pool of its own for
   * each call, disposed once the held request ends (the test releases the server's held requests
   * after each call; the held one then gets its response).
   */
  static ClientAnswer poolExhausted(String method, String url) throws Exception {
    ConnectionProvider pool =
        ConnectionProvider.builder("sluice-one-connection")
            .maxConnections(1)
            .pendingAcquireTimeout(Duration.ofMillis(100))
            .build();
    HttpClient client = HttpClient.create(pool).responseTimeout(Duration.ofSeconds(10));
    CompletableFuture<Void> sent = new CompletableFuture<>();
    answer(client.doAfterRequest((request, connection) -> sent.complete(null)), "GET", url)
        .doFinally(signal -> pool.dispose())
        .subscribe(held -> {}, held -> sent.completeExceptionally(held));
    sent.get(10, TimeUnit.SECONDS);
    return await(answer(client, method, url).toFuture());
  }

  /**
   * As {@link #failingBody}, with {@code WebClient}: {@code body(Mono.error(...), String.class)}.
   */
  static ClientAnswer webClientFailingBody(String method, String url) throws Exception {
    WebClient.RequestHeadersSpec<?> request =
        Spring.CLIENT
            .method(org.springframework.http.HttpMethod.valueOf(method))
            .uri(URI.create(url))
            .body(
                Mono.error(new IllegalStateException(RequestBodyClients.APP_BODY_FAILED)),
                String.class);
    return await(webClientAnswer(request).toFuture());
  }

  private static Mono<ClientAnswer> webClientAnswer(WebClient client, String method, String url) {
    WebClient.RequestBodySpec request =
        client.method(org.springframework.http.HttpMethod.valueOf(method)).uri(URI.create(url));
    return webClientAnswer("GET".equals(method) ? request : request.bodyValue("{}"));
  }

  private static Mono<ClientAnswer> webClientAnswer(WebClient.RequestHeadersSpec<?> ready) {
    return ready.exchangeToMono(
        response ->
            response
                .bodyToMono(String.class)
                .defaultIfEmpty("")
                .map(
                    body -> {
                      Map<String, String> headers = new HashMap<>();
                      response
                          .headers()
                          .asHttpHeaders()
                          .forEach((name, values) -> headers.put(name, String.join(",", values)));
                      return new ClientAnswer(response.statusCode().value(), headers, body);
                    }));
  }

  private static Mono<ClientAnswer> answer(HttpClient client, String method, String url) {
    HttpClient.RequestSender sender = client.request(HttpMethod.valueOf(method)).uri(url);
    return answer(
        "GET".equals(method) ? sender : sender.send(ByteBufFlux.fromString(Mono.just("{}"))));
  }

  private static Mono<ClientAnswer> answer(HttpClient.ResponseReceiver<?> receiver) {
    return receiver.responseSingle(
        (response, body) ->
            body.asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map(text -> new ClientAnswer(response.status().code(), headers(response), text)));
  }

  private static Map<String, String> headers(HttpClientResponse response) {
    Map<String, String> headers = new HashMap<>();
    response
        .responseHeaders()
        .forEach(e -> headers.merge(e.getKey(), e.getValue(), (a, b) -> a + "," + b));
    return headers;
  }

  /** Waits (10 s at most) for the answer, or throws the call's failure. */
  private static <T> T await(CompletableFuture<T> answer) throws Exception {
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}

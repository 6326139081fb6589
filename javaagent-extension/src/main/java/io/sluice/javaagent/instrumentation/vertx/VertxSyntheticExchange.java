package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.OneTimeWarning;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

/**
 * The synthetic answer of a call a breaker rejected in {@code onOpen.mode: response}: an {@link
 * HttpClientRequest} that never touches the network and whose response is the policy's status,
 * headers and body, so the app's usual {@code request → send → response → body} chain completes as
 * if the server had answered. A helper class, injected into the app's class loader next to Vert.x.
 *
 * <p>Design note. Vert.x's request and response are large interfaces that grow between minor
 * versions, so both are {@link Proxy dynamic proxies} answering by method name and return type:
 * fluent setters return the proxy, writes and ends succeed at once (until a reset), {@code
 * response} yields the synthetic response once the request is sent ({@code send}, {@code end},
 * {@code connect}), default methods run their own code (which calls back into these answers), and
 * anything else answers its type's empty value. A method added in a later Vert.x release therefore
 * still answers sensibly instead of failing with {@link AbstractMethodError}. The body can be read
 * with {@code body()}, {@code bodyHandler}, {@code handler} + {@code endHandler} or {@code end()},
 * or {@code pipeTo} (as {@code WebClient} does): streamed readers get it on the Vert.x context
 * after their handlers are set, honouring {@code pause}, and {@code end()} completes once the end
 * is delivered.
 *
 * <p>A body the app hands {@code send} as a {@code ReadStream} is piped in, as Vert.x's own {@code
 * send} does, read to its end and thrown away: the request is sent, and answered, when the pipe
 * ends it (see {@code RequestAnswers#pipeBody}). An app forwarding a request it serves, which it
 * paused, relies on that to see the request's end.
 *
 * <p>A reset ({@code reset}, {@code reset(code)}, {@code reset(code, cause)}, and {@code cancel} of
 * Vert.x 5.1, a reset with code 8) gives up on the request as on a real one: before the answer it
 * fails {@code response()} and the {@code send} waiting for it (with the cause given, else a {@link
 * StreamResetException} of the code, as Vert.x 5.1 does; 5.0 wraps the cause in one) and tells the
 * request's exception handler; the answer then never comes. {@code WebClient#sendStream} relies on
 * that: it resets the request where its body stream fails instead of ending it. After the answer
 * the response stays as it is, as a real one whose body had all arrived. Either way writes and ends
 * fail from then on, and a second reset fails ({@code Already reset}).
 *
 * <p>The context is the caller's, or, for an app that calls {@code request} off any context (from a
 * plain thread), one of the client's Vert.x, as for a real request: the futures complete there, so
 * the app's callbacks run on it as they would for a server's answer. An app that reads the response
 * on a plain thread all the same (having waited for it) sets its handlers while the context could
 * deliver: there the end waits for a data handler while there is a body (a pipe sets its end
 * handler first), so such a reader that wants only the end sets one too, or reads {@code body()}.
 */
public final class VertxSyntheticExchange {

  /** The reason phrase of every synthetic response. */
  public static final String STATUS_MESSAGE = "Sluice circuit breaker open";

  private static final OneTimeWarning bodyFailure =
      new OneTimeWarning(
          VertxSyntheticExchange.class.getName(),
          "Sluice: a Vert.x request an open breaker answered could not read the app's body stream;"
              + " it was answered without reading it, and the stream was left as it was (logged"
              + " once)");

  private static final OneTimeWarning handlerFailure =
      new OneTimeWarning(
          VertxSyntheticExchange.class.getName(),
          "Sluice: a Vert.x request an open breaker answered could not tell its exception handler"
              + " that the app reset it; its response failed all the same (logged once)");

  private VertxSyntheticExchange() {}

  /**
   * The succeeded future {@code HttpClient#request(options)} returns for a rejected call.
   *
   * @param origin the scheme, host and port the request addresses, resolved with the client's
   *     defaults ({@code https://payments:8443}): what its {@code absoluteURI} starts with
   * @param context the context the exchange answers on, or {@code null} for none (the caller's
   *     thread)
   */
  public static Future<HttpClientRequest> request(
      SluiceCall call, RequestOptions options, String origin, Context context) {
    ClassLoader loader = HttpClientRequest.class.getClassLoader();
    RequestAnswers requestAnswers = new RequestAnswers(call, options, origin, context);
    HttpClientRequest request =
        (HttpClientRequest)
            Proxy.newProxyInstance(
                loader, new Class<?>[] {HttpClientRequest.class}, requestAnswers);
    ResponseAnswers responseAnswers = new ResponseAnswers(call, request, context);
    requestAnswers.response =
        (HttpClientResponse)
            Proxy.newProxyInstance(
                loader, new Class<?>[] {HttpClientResponse.class}, responseAnswers);
    return context instanceof ContextInternal
        ? ((ContextInternal) context).succeededFuture(request)
        : Future.succeededFuture(request);
  }

  /** A promise whose listeners run on {@code context}, or on the completing thread without one. */
  private static <T> Promise<T> promise(Context context) {
    return context instanceof ContextInternal
        ? ((ContextInternal) context).promise()
        : Promise.promise();
  }

  /** What {@code equals}, {@code hashCode} and {@code toString} answer, or {@code null}. */
  private static Object objectMethod(Object proxy, Method method, Object[] args, String text) {
    switch (method.getName()) {
      case "equals":
        return args != null && args.length == 1 ? proxy == args[0] : null;
      case "hashCode":
        return method.getParameterCount() == 0 ? System.identityHashCode(proxy) : null;
      case "toString":
        return method.getParameterCount() == 0 ? text : null;
      default:
        return null;
    }
  }

  /** The empty value of a return type: the proxy when fluent, else zero, false or null. */
  private static Object empty(Object proxy, Class<?> type) {
    if (type.isInstance(proxy)) {
      return proxy;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == short.class) {
      return (short) 0;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == char.class) {
      return (char) 0;
    }
    if (type == float.class) {
      return 0f;
    }
    if (type == double.class) {
      return 0d;
    }
    if (type == Future.class) {
      return Future.succeededFuture();
    }
    return null;
  }

  private static final class RequestAnswers implements InvocationHandler {
    /** The reset code of {@code cancel} over HTTP/1.x and HTTP/2 ({@code CANCEL}), as Vert.x's. */
    private static final long CANCEL = 8;

    private final HttpMethod method;
    private final String origin;
    private final String uri;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private final String text;
    private final Promise<HttpClientResponse> answered;
    private final Context context;
    private Handler<Throwable> exceptionHandler;

    /** The reset that gave up on this request, or {@code null}: see {@link #reset}. */
    private StreamResetException givenUpBy;

    HttpClientResponse response;

    RequestAnswers(SluiceCall call, RequestOptions options, String origin, Context context) {
      this.answered = promise(context);
      this.context = context;
      this.method = options.getMethod() == null ? HttpMethod.GET : options.getMethod();
      this.origin = origin;
      this.uri = options.getURI() == null ? "/" : options.getURI();
      this.text = "SyntheticRequest{" + method + " " + uri + ", " + call.message() + "}";
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      Object answer = objectMethod(proxy, m, args, text);
      if (answer != null) {
        return answer;
      }
      String name = m.getName();
      if (m.getReturnType() == Future.class) {
        StreamResetException givenUpBy = givenUpBy();
        switch (name) {
          case "response":
            return answered.future();
          case "reset":
            return reset(
                args != null && args.length > 0 && args[0] instanceof Long code ? code : 0L,
                args != null && args.length > 1 && args[1] instanceof Throwable t ? t : null,
                "Already reset",
                null);
          case "cancel":
            return reset(CANCEL, null, "Already cancelled", true);
          default:
            if (givenUpBy != null) {
              // a request given up on sends nothing more: its writes and ends fail, and a send
              // answers the response's failure
              return name.equals("send") || name.equals("connect")
                  ? answered.future()
                  : Future.failedFuture(givenUpBy);
            }
            break;
        }
        // as from a server: the response comes once the request is sent, not before; a caller
        // such as WebClient registers for it first, then sends
        switch (name) {
          case "send":
            if (args != null && args.length == 1 && args[0] instanceof ReadStream<?> body) {
              pipeBody(proxy, body);
              return answered.future();
            }
            answered.tryComplete(response);
            return answered.future();
          case "connect":
            answered.tryComplete(response);
            return answered.future();
          case "end":
            answered.tryComplete(response);
            return Future.succeededFuture();
          default:
            break;
        }
      }
      if (m.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, m, args);
      }
      int query = uri.indexOf('?');
      switch (name) {
        case "getMethod":
          return method;
        case "getURI":
          return uri;
        case "path":
          return query < 0 ? uri : uri.substring(0, query);
        case "query":
          return query < 0 ? null : uri.substring(query + 1);
        case "absoluteURI":
          return origin + uri;
        case "headers":
          return headers;
        case "putHeader":
          putHeader(args[0], args[1]);
          return proxy;
        case "version":
          return HttpVersion.HTTP_1_1;
        case "exceptionHandler":
          if (m.getParameterCount() == 1) {
            synchronized (this) {
              exceptionHandler = (Handler<Throwable>) args[0];
            }
          }
          return proxy;
        default:
          return empty(proxy, m.getReturnType());
      }
    }

    private synchronized StreamResetException givenUpBy() {
      return givenUpBy;
    }

    /**
     * {@code reset} and {@code cancel}: gives up on the request as Vert.x gives up on a real one
     * ({@code HttpClientRequestBase#reset}). The first one succeeds ({@code succeeded}, or
     * nothing); a later one fails with {@code already}, as Vert.x's. Before the answer, the
     * response fails, as Vert.x 5.1 fails it, with {@code cause} or else the reset itself, and so
     * does the {@code send} waiting for it ({@code WebClient}'s exchange waits there, which would
     * otherwise never complete), and the request's exception handler is told on the request's
     * context: the answer never comes. After the answer the response stays as it is, whole: a real
     * response whose body has all arrived keeps it too. Nothing is asked of the breaker: a rejected
     * call holds no permission and reports no outcome.
     */
    private Future<?> reset(long code, Throwable cause, String already, Object succeeded) {
      StreamResetException resetBy = new StreamResetException(code, cause);
      Handler<Throwable> handler;
      synchronized (this) {
        if (givenUpBy != null) {
          return Future.failedFuture(already);
        }
        givenUpBy = resetBy;
        handler = exceptionHandler;
      }
      Throwable failure = cause != null ? cause : resetBy;
      if (answered.tryFail(failure) && handler != null) {
        tell(handler, failure);
      }
      return Future.succeededFuture(succeeded);
    }

    /** Hands {@code failure} to the app's exception handler on the context, as Vert.x emits it. */
    private void tell(Handler<Throwable> handler, Throwable failure) {
      try {
        if (context != null) {
          context.runOnContext(v -> handler.handle(failure));
        } else {
          handler.handle(failure);
        }
      } catch (RuntimeException | LinkageError t) {
        // a context that takes no more tasks (its Vert.x closing), or the app's own handler off
        // any context, where no context catches what it throws: the reset has failed the
        // response all the same
        handlerFailure.log(t);
      }
    }

    /**
     * {@code send(ReadStream)}: pipes {@code body} into this request, as Vert.x's own {@code send}
     * does, so that the app's stream is read to its end however the app left it. An app forwarding
     * a request it serves ({@code HttpServerRequest}, paused while it made this request) counts on
     * that: a stream nobody reads stays paused, its end never comes and its connection is stuck.
     * The writes succeed and are thrown away; the pipe ends this request when the stream ends, or
     * where it fails (Vert.x's pipe ends the request then too), and that end answers, as a server
     * answers once it has read the request. A reset meanwhile fails the writes, which stops the
     * pipe, as on a real request. A stream that never ends is never answered, as with a server that
     * reads the whole body first. Should the pipe not start, the request is answered at once: the
     * app gets the policy's response, and the stream is left as it was.
     */
    @SuppressWarnings("unchecked")
    private void pipeBody(Object proxy, ReadStream<?> body) {
      try {
        ((ReadStream<Buffer>) body).pipeTo((WriteStream<Buffer>) proxy);
      } catch (RuntimeException | LinkageError t) {
        bodyFailure.log(t);
        answered.tryComplete(response);
      }
    }

    private void putHeader(Object name, Object value) {
      if (name == null || value == null) {
        return;
      }
      headers.remove(name.toString());
      if (value instanceof Iterable<?> values) {
        for (Object v : values) {
          headers.add(name.toString(), String.valueOf(v));
        }
      } else {
        headers.add(name.toString(), value.toString());
      }
    }
  }

  private static final class ResponseAnswers implements InvocationHandler {
    private final int status;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private final Buffer body;
    private final HttpClientRequest request;
    private final String text;
    private final Context context;
    private Handler<Buffer> dataHandler;
    private Handler<Void> endHandler;
    private Promise<Void> endAsked;
    private boolean paused;
    private boolean readOffContext;
    private boolean dataDelivered;
    private boolean ended;
    private boolean scheduled;

    ResponseAnswers(SluiceCall call, HttpClientRequest request, Context context) {
      this.status = call.status();
      for (Map.Entry<String, String> header : call.headers().entrySet()) {
        headers.add(header.getKey(), header.getValue());
      }
      this.body = Buffer.buffer(call.body() == null ? "" : call.body());
      this.request = request;
      this.text = "SyntheticResponse{" + status + ", " + call.message() + "}";
      this.context = context;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      Object answer = objectMethod(proxy, m, args, text);
      if (answer != null) {
        return answer;
      }
      if (m.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, m, args);
      }
      switch (m.getName()) {
        case "statusCode":
          return status;
        case "statusMessage":
          return STATUS_MESSAGE;
        case "headers":
          return headers;
        case "getHeader":
          return args[0] == null ? null : headers.get(args[0].toString());
        case "trailers":
          return MultiMap.caseInsensitiveMultiMap();
        case "cookies":
          return List.of();
        case "version":
          return HttpVersion.HTTP_1_1;
        case "body":
          return Future.succeededFuture(body.copy());
        case "request":
          return request;
        case "handler":
          synchronized (this) {
            dataHandler = (Handler<Buffer>) args[0];
          }
          schedule();
          return proxy;
        case "endHandler":
          synchronized (this) {
            endHandler = (Handler<Void>) args[0];
          }
          schedule();
          return proxy;
        case "end":
          if (m.getReturnType() == Future.class && m.getParameterCount() == 0) {
            return end();
          }
          return empty(proxy, m.getReturnType());
        case "pause":
          synchronized (this) {
            paused = true;
          }
          return proxy;
        case "resume":
        case "fetch":
          synchronized (this) {
            paused = false;
          }
          schedule();
          return proxy;
        default:
          return empty(proxy, m.getReturnType());
      }
    }

    /** {@code end()}: completes once the end is delivered, as the body's is. */
    private Future<Void> end() {
      Future<Void> future;
      synchronized (this) {
        if (ended) {
          return Future.succeededFuture();
        }
        if (endAsked == null) {
          endAsked = promise(context);
        }
        future = endAsked.future();
      }
      schedule();
      return future;
    }

    /**
     * Delivers the body and the end as a server's would arrive: later, on the Vert.x context, once
     * the reader has set its handlers in the same stretch of code (a pipe sets its end handler
     * before its data handler). With no context at all, when the end is asked for.
     */
    private void schedule() {
      Context now = Vertx.currentContext();
      synchronized (this) {
        if (now == null) {
          // set on a plain thread, while a context may be delivering: see deliver()
          readOffContext = true;
        }
        if (ended || scheduled) {
          return;
        }
        Context on = now != null ? now : context;
        if (on != null) {
          scheduled = true;
          on.runOnContext(
              v -> {
                synchronized (this) {
                  scheduled = false;
                }
                deliver();
              });
          return;
        }
        if (endHandler == null && endAsked == null) {
          return;
        }
      }
      deliver();
    }

    /**
     * The body to the data handler there is (once), then the end (once) if it is asked for; nothing
     * while paused. A reader on a plain thread may not have set its data handler yet: while there
     * is a body the end waits for one.
     */
    private void deliver() {
      Handler<Buffer> data = null;
      synchronized (this) {
        if (ended || paused) {
          return;
        }
        if (!dataDelivered && dataHandler != null) {
          dataDelivered = true;
          data = body.length() > 0 ? dataHandler : null;
        }
      }
      if (data != null) {
        data.handle(body.copy());
      }
      Handler<Void> end;
      Promise<Void> asked;
      synchronized (this) {
        if (ended
            || paused
            || endHandler == null && endAsked == null
            || readOffContext && !dataDelivered && body.length() > 0) {
          return;
        }
        ended = true;
        end = endHandler;
        asked = endAsked;
      }
      if (end != null) {
        end.handle(null);
      }
      if (asked != null) {
        asked.tryComplete();
      }
    }
  }
}

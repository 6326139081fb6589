package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code HttpURLConnection} styles whose call fails in the app's own code the JDK runs for it: a
 * JVM-wide {@code CookieHandler} or {@code ProxySelector} of the app's that fails the calls of the
 * thread asking for it, and only those.
 */
final class UrlConnectionAppCodeClients {

  /** What the app's failing {@code CookieHandler} throws ({@code huc-failing-cookies}). */
  static final String APP_COOKIES_FAILED = "the app's cookie handler failed";

  /** What the app's failing {@code ProxySelector} throws ({@code huc-failing-proxy-selector}). */
  static final String APP_PROXY_SELECTOR_FAILED = "the app's proxy selector failed";

  private UrlConnectionAppCodeClients() {}

  /**
   * A GET whose proxy the app's {@code ProxySelector} takes 300 ms to choose, then refuses with an
   * {@code IllegalStateException}: the JDK asks it as it connects, and lets the exception out. A
   * call slower than a short {@code slowCallDuration}, failed by the app's own code before it left.
   */
  static ClientAnswer failingProxySelector(String method, String url) throws Exception {
    return failingProxySelector(method, url, new IllegalStateException(APP_PROXY_SELECTOR_FAILED));
  }

  /**
   * As {@link #failingProxySelector(String, String)}, refusing with an {@code
   * IllegalArgumentException}, which the JDK wraps in an {@code IOException} ("Failed to select a
   * proxy"): an I/O error in name only ({@code huc-proxy-selector-refuses-uri}).
   */
  static ClientAnswer proxySelectorRefusingTheUri(String method, String url) throws Exception {
    return failingProxySelector(
        method, url, new IllegalArgumentException(APP_PROXY_SELECTOR_FAILED));
  }

  private static ClientAnswer failingProxySelector(
      String method, String url, RuntimeException failure) throws Exception {
    FailingProxySelector selector = FailingProxySelector.INSTALLED;
    selector.failing.set(failure);
    try {
      HttpURLConnection connection = Clients.urlConnection(url);
      connection.setRequestMethod(method);
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      selector.failing.remove();
    }
  }

  /**
   * A GET whose response's cookies the app's {@code CookieHandler} takes 300 ms to look at, then
   * refuses with an {@code IllegalStateException}: the JDK asks it as it parses the headers, before
   * the status is known, and lets the exception out (wrapped in a {@code RuntimeException} by
   * {@code getResponseCode}). A call slower than a short {@code slowCallDuration}, failed by the
   * app's own code.
   */
  static ClientAnswer failingCookies(String method, String url) throws Exception {
    FailingCookies handler = FailingCookies.INSTALLED;
    handler.failing.set(Boolean.TRUE);
    try {
      HttpURLConnection connection = Clients.urlConnection(url); // takes the handler now
      connection.setRequestMethod(method);
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      handler.failing.remove();
    }
  }

  /**
   * The app's {@code CookieHandler}, installed JVM-wide on first use: it fails only the thread that
   * asks for it (the {@code huc-failing-cookies} style); for every other call it has no cookies and
   * stores none.
   */
  private static final class FailingCookies extends CookieHandler {

    static final FailingCookies INSTALLED = install();

    final ThreadLocal<Boolean> failing = new ThreadLocal<>();

    private static FailingCookies install() {
      FailingCookies handler = new FailingCookies();
      CookieHandler.setDefault(handler);
      return handler;
    }

    @Override
    public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
      return Map.of();
    }

    @Override
    public void put(URI uri, Map<String, List<String>> responseHeaders) throws IOException {
      if (failing.get() == null) {
        return;
      }
      try {
        Thread.sleep(300); // the app's own slow code, not a wait for a result
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(APP_COOKIES_FAILED);
    }
  }

  /**
   * The app's {@code ProxySelector}, installed JVM-wide on first use: it fails only the thread that
   * asks for it (the {@code huc-failing-proxy-selector} style); every other call goes where the
   * JVM's previous selector sends it.
   */
  private static final class FailingProxySelector extends ProxySelector {

    static final FailingProxySelector INSTALLED = install();

    /** What the selector throws on this thread, or null to choose as the previous one does. */
    final ThreadLocal<RuntimeException> failing = new ThreadLocal<>();

    private final ProxySelector previous;

    private FailingProxySelector(ProxySelector previous) {
      this.previous = previous;
    }

    private static FailingProxySelector install() {
      FailingProxySelector selector = new FailingProxySelector(ProxySelector.getDefault());
      ProxySelector.setDefault(selector);
      return selector;
    }

    @Override
    public List<Proxy> select(URI uri) {
      RuntimeException failure = failing.get();
      if (failure == null) {
        return previous == null ? List.of(Proxy.NO_PROXY) : previous.select(uri);
      }
      try {
        Thread.sleep(300); // the app's own slow code, not a wait for a result
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw failure;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
      if (previous != null) {
        previous.connectFailed(uri, address, failure);
      }
    }
  }
}

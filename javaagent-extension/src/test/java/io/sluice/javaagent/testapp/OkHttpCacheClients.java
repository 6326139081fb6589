package io.sluice.javaagent.testapp;

import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import okhttp3.Cache;
import okhttp3.CacheControl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * OkHttp styles whose answer comes from the app's own HTTP cache ({@code
 * OkHttpClient.Builder#cache}), never from the target: a request the app forbids the network
 * ({@code CacheControl.FORCE_CACHE}, {@code only-if-cached}) that the cache cannot answer, which
 * OkHttp answers itself with a {@code 504 Unsatisfiable Request}, and a response the cache holds.
 * Uses only API that OkHttp 3.12 has too.
 */
final class OkHttpCacheClients {

  private OkHttpCacheClients() {}

  /** A client with a cache of its own, in a fresh temporary directory deleted as the app exits. */
  private static final class Cached {
    static final OkHttpClient CLIENT =
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .cache(new Cache(directory(), 1024 * 1024))
            // the test server sends no caching headers: make every response it sends cacheable
            .addNetworkInterceptor(
                chain ->
                    chain
                        .proceed(chain.request())
                        .newBuilder()
                        .header("Cache-Control", "max-age=600")
                        .build())
            .build();

    private static File directory() {
      return AppTemporaryDirectory.create("okhttp-cache").toFile();
    }
  }

  /**
   * A GET the app allows only from its cache ({@code only-if-cached}): for a URL never fetched,
   * OkHttp answers {@code 504} itself, and nothing leaves the process.
   */
  static ClientAnswer cacheOnly(String method, String url) throws IOException {
    Request request = new Request.Builder().url(url).cacheControl(CacheControl.FORCE_CACHE).build();
    return answer(Cached.CLIENT.newCall(request).execute());
  }

  /**
   * A GET through the caching client: the first one for a URL reaches the target (and is cached for
   * ten minutes), the later ones are answered by the cache. The body tells which: {@code network}
   * or {@code cache:} followed by the cached body.
   */
  static ClientAnswer cached(String method, String url) throws IOException {
    Request request = new Request.Builder().url(url).build();
    try (Response response = Cached.CLIENT.newCall(request).execute()) {
      String body = response.body().string();
      return new ClientAnswer(
          response.code(),
          Map.of(),
          response.networkResponse() == null ? "cache:" + body : "network:" + body);
    }
  }

  private static ClientAnswer answer(Response response) throws IOException {
    try (response) {
      Map<String, String> headers = new HashMap<>();
      response.headers().toMultimap().forEach((k, v) -> headers.put(k, String.join(",", v)));
      return new ClientAnswer(response.code(), headers, response.body().string());
    }
  }
}

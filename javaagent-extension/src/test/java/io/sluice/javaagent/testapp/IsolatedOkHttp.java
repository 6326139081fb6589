package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * OkHttp calls made from inside an {@link IsolatingClassLoader}: this class, OkHttp, Okio and
 * Kotlin are all loaded by it. It answers in JDK types only, which both loaders share.
 */
public final class IsolatedOkHttp {

  private static final OkHttpClient CLIENT =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  private IsolatedOkHttp() {}

  /**
   * Makes the call.
   *
   * @return status, headers ({@code Map<String, String>}) and body
   */
  public static Object[] call(String method, String url) throws IOException {
    Request request =
        new Request.Builder()
            .url(url)
            .method(method, "GET".equals(method) ? null : RequestBody.create(new byte[] {'{', '}'}))
            .build();
    try (Response response = CLIENT.newCall(request).execute()) {
      Map<String, String> headers = new HashMap<>();
      response.headers().toMultimap().forEach((k, v) -> headers.put(k, String.join(",", v)));
      return new Object[] {
        response.code(), headers, response.body() == null ? "" : response.body().string()
      };
    }
  }

  /** Which class loader OkHttp came from, for the test to check the isolation is real. */
  public static String okHttpLoader() {
    ClassLoader loader = OkHttpClient.class.getClassLoader();
    return loader == null ? "bootstrap" : loader.getName();
  }
}

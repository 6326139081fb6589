package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityTemplate;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.IOCallback;

/**
 * Client styles beside {@link Clients}'s whose request body is where things go wrong: a body the
 * app itself fails to produce (an {@code IOException} from its own source, as a file that went away
 * or a serializer gives), a body shorter or longer than the length it declares (which the client
 * library refuses while sending), and a large body the server stops taking (the client's I/O fails
 * while the app's writer sends it). Each POSTs and lets the exception out.
 */
final class RequestBodyClients {

  /** What the app's own failing body says. */
  static final String APP_BODY_FAILED = "the app's request body failed";

  /** More than loopback socket buffers hold: a server that stops reading fails the writes. */
  static final long LARGE_BODY = 256L * 1024 * 1024;

  private static final class Ok {
    static final OkHttpClient CLIENT =
        new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  }

  private static final class Apache {
    static final CloseableHttpClient CLIENT = HttpClients.createDefault();
  }

  private static final class Jdk {
    static final HttpClient CLIENT =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Asks for HTTP/2: upgrades a plain-text connection ({@code h2c}) where the server takes it.
     */
    static final HttpClient HTTP_2 =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  private RequestBodyClients() {}

  /**
   * OkHttp, with a {@code RequestBody} whose {@code writeTo} writes a byte, then fails with the
   * app's own {@code IOException}. Uses only API that OkHttp 3.12 has too.
   */
  static ClientAnswer okhttpFailingBody(String method, String url) throws Exception {
    return okhttp(
        url,
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return null;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeByte('{');
            throw new IOException(APP_BODY_FAILED);
          }
        });
  }

  /**
   * OkHttp, with a large fixed-length body the app's {@code writeTo} writes in chunks until done or
   * until a write to OkHttp's sink fails (that failure leaves as it is).
   */
  static ClientAnswer okhttpStreamingBody(String method, String url) throws Exception {
    return okhttp(
        url,
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return null;
          }

          @Override
          public long contentLength() {
            return LARGE_BODY;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            byte[] chunk = new byte[64 * 1024];
            for (long written = 0; written < LARGE_BODY; written += chunk.length) {
              sink.write(chunk);
            }
          }
        });
  }

  /** What a body that breaks its declared length sends: 14 bytes. */
  static final String BODY = "{\"id\": \"4711\"}";

  /** OkHttp, with a {@code RequestBody} that declares 100 bytes and writes {@link #BODY}. */
  static ClientAnswer okhttpShortBody(String method, String url) throws Exception {
    return okhttp(url, declaring(100));
  }

  /** OkHttp, with a {@code RequestBody} that declares 2 bytes and writes {@link #BODY}. */
  static ClientAnswer okhttpLongBody(String method, String url) throws Exception {
    return okhttp(url, declaring(2));
  }

  /** A body declaring {@code length} bytes that writes {@link #BODY}; OkHttp 3.12 API only. */
  private static RequestBody declaring(long length) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return null;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    };
  }

  private static ClientAnswer okhttp(String url, RequestBody body) throws IOException {
    Request request = new Request.Builder().url(url).post(body).build();
    try (Response response = Ok.CLIENT.newCall(request).execute()) {
      return new ClientAnswer(response.code(), Map.of(), response.body().string());
    }
  }

  /**
   * The JDK client, with a body the JDK reads from the app's {@code InputStream}, which fails with
   * the app's own {@code IOException} ({@code BodyPublishers.ofInputStream}).
   */
  static ClientAnswer jdkFailingBody(String method, String url) throws Exception {
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException(APP_BODY_FAILED);
          }
        };
    return jdkPost(url, failing);
  }

  /**
   * The JDK client, its response written to a file in a directory that does not exist ({@code
   * BodyHandlers.ofFile}): the JDK's file writer fails on its own, with {@code
   * NoSuchFileException}, after the target answered.
   */
  static ClientAnswer jdkUnwritableFile(String method, String url) throws Exception {
    java.nio.file.Path file =
        AppTemporaryDirectory.create("unwritable").resolve("missing").resolve("body");
    HttpResponse<java.nio.file.Path> response =
        Jdk.CLIENT.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofFile(file));
    return new ClientAnswer(response.statusCode(), Map.of(), response.body().toString());
  }

  /**
   * The JDK client, with a large body the JDK reads from the app's {@code InputStream}, which never
   * fails: only the connection can ({@code BodyPublishers.ofInputStream}).
   */
  static ClientAnswer jdkStreamingBody(String method, String url) throws Exception {
    InputStream large =
        new InputStream() {
          private long left = LARGE_BODY;

          @Override
          public int read() {
            return left-- > 0 ? 'x' : -1;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (left <= 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            left -= n;
            return n;
          }
        };
    return jdkPost(url, large);
  }

  /** POSTs through the JDK client a body the JDK reads from {@code body}. */
  private static ClientAnswer jdkPost(String url, InputStream body) throws Exception {
    return jdkPost(url, HttpRequest.BodyPublishers.ofInputStream(() -> body));
  }

  /**
   * The JDK client, with a publisher that declares 100 bytes and publishes {@link #BODY} ({@code
   * BodyPublishers.fromPublisher(publisher, contentLength)}).
   */
  static ClientAnswer jdkShortBody(String method, String url) throws Exception {
    return jdkPost(url, declaringJdk(100));
  }

  /** As {@link #jdkShortBody}, declaring 2 bytes. */
  static ClientAnswer jdkLongBody(String method, String url) throws Exception {
    return jdkPost(url, declaringJdk(2));
  }

  /**
   * As {@link #jdkShortBody}, over HTTP/2: a JDK client asking for {@code HTTP_2} upgrades its
   * plain-text connection to the server ({@code h2c}) with a first request (a {@code GET} of {@code
   * /h2c-upgrade}, which no test guards), then sends the short body on a stream of that connection,
   * where the JDK refuses it ({@code Too few bytes returned by the publisher}, with the stream's
   * id).
   */
  static ClientAnswer jdkH2ShortBody(String method, String url) throws Exception {
    URI uri = URI.create(url);
    HttpResponse<String> upgrade =
        Jdk.HTTP_2.send(
            HttpRequest.newBuilder(uri.resolve("/h2c-upgrade"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (upgrade.version() != HttpClient.Version.HTTP_2) {
      throw new IllegalStateException("the server did not take the upgrade to h2c: " + upgrade);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri).POST(declaringJdk(100)).timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = Jdk.HTTP_2.send(request, HttpResponse.BodyHandlers.ofString());
    return new ClientAnswer(response.statusCode(), Map.of(), response.body());
  }

  private static HttpRequest.BodyPublisher declaringJdk(long length) {
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofString(BODY), length);
  }

  private static ClientAnswer jdkPost(String url, HttpRequest.BodyPublisher body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).POST(body).timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = Jdk.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    return new ClientAnswer(response.statusCode(), Map.of(), response.body());
  }

  /**
   * Apache HttpClient 5, POSTing an entity ({@code EntityTemplate}) the app's own callback fails to
   * write: one byte, then the app's {@code IOException}.
   */
  static ClientAnswer apacheFailingBody(String method, String url) throws Exception {
    return apache(
        url,
        -1,
        out -> {
          out.write('{');
          throw new IOException(APP_BODY_FAILED);
        });
  }

  /**
   * Apache HttpClient 5, POSTing a large fixed-length entity the app's callback writes until done
   * or until a write fails.
   */
  static ClientAnswer apacheStreamingBody(String method, String url) throws Exception {
    return apache(
        url,
        LARGE_BODY,
        out -> {
          byte[] chunk = new byte[64 * 1024];
          for (long written = 0; written < LARGE_BODY; written += chunk.length) {
            out.write(chunk);
          }
        });
  }

  private static ClientAnswer apache(String url, long length, IOCallback<OutputStream> body)
      throws IOException {
    HttpPost request = new HttpPost(URI.create(url));
    request.setEntity(new EntityTemplate(length, ContentType.APPLICATION_OCTET_STREAM, null, body));
    return Apache.CLIENT.execute(
        request,
        response ->
            new ClientAnswer(
                response.getCode(),
                Map.of(),
                response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity())));
  }
}

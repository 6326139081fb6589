package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The control plane reads request bodies as they are sent and decodes no content coding, so a body
 * sent with {@code Content-Encoding: gzip} (a client library that compresses requests) is refused
 * with 415 and {@code Accept-Encoding: identity} (RFC 9110, RFC 7694) rather than read as it is.
 * Before, a compressed document was answered 400 {@code invalid-rules} "malformed JSON at line 1,
 * column 2", which sends the operator looking for a mistake in a document that has none, and a body
 * that claimed a coding it did not have was stored.
 */
class ContentCodingIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String DOCUMENT =
      "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.3}}";

  static RunningControlPlane controlPlane;

  @BeforeAll
  static void start() {
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                ControlPlaneApiIT.WRITER,
                "sluice.security.tokens.writer.role",
                "writer"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void aCompressedDocumentIsRefusedAsAnEncodingNotReadAsMalformedJson() {
    HttpResponse<String> put =
        send("PUT", "/api/v1/services/gzipped/rules", gzip(DOCUMENT), "gzip");

    assertThat(put.statusCode()).isEqualTo(415);
    JsonNode problem = ApiClient.JSON.readTree(put.body());
    assertThat(problem.get("type").asString())
        .isEqualTo("urn:sluice:problem:unsupported-media-type");
    assertThat(problem.get("detail").asString()).contains("Content-Encoding").contains("gzip");
    assertThat(put.headers().firstValue("Accept-Encoding")).hasValue("identity");
    assertThat(rulesStatus("gzipped")).isEqualTo(404);
  }

  @Test
  void aBodyThatClaimsACodingItDoesNotHaveIsNotStored() {
    for (String coding : new String[] {"gzip", "br", "deflate, gzip"}) {
      HttpResponse<String> put =
          send(
              "PUT",
              "/api/v1/services/claims-coding/rules",
              DOCUMENT.getBytes(StandardCharsets.UTF_8),
              coding);

      assertThat(put.statusCode()).as(coding).isEqualTo(415);
    }
    assertThat(rulesStatus("claims-coding")).isEqualTo(404);
  }

  @Test
  void noCodingOrIdentityIsReadAsBefore() {
    byte[] document = DOCUMENT.getBytes(StandardCharsets.UTF_8);
    assertThat(send("PUT", "/api/v1/services/plain/rules", document, null).statusCode())
        .isEqualTo(200);
    assertThat(send("PUT", "/api/v1/services/identity/rules", document, "identity").statusCode())
        .isEqualTo(200);
    // a call without a body is not refused for a header that describes nothing
    HttpResponse<String> read = send("GET", "/api/v1/services/plain/rules", null, "gzip");
    assertThat(read.statusCode()).isEqualTo(200);
  }

  private static int rulesStatus(String service) {
    return send("GET", "/api/v1/services/" + service + "/rules", null, null).statusCode();
  }

  private static HttpResponse<String> send(
      String method, String path, byte[] body, String contentEncoding) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPlane.port() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + ControlPlaneApiIT.WRITER)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (contentEncoding != null) {
      request.header("Content-Encoding", contentEncoding);
    }
    try {
      return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}

package io.sluice.javaagent.instrumentation.apache4;

import io.sluice.javaagent.bridge.SluiceCall;
import java.util.Locale;
import java.util.Map;
import org.apache.http.HttpVersion;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.EnglishReasonPhraseCatalog;
import org.apache.http.message.BasicHttpResponse;
import org.apache.http.message.BasicStatusLine;

/**
 * The response a rejected Apache HttpClient 4 call answers in mode {@code response}: HttpClient 4.5
 * has no public {@link CloseableHttpResponse} to build one from (its own are package-private
 * proxies), so this one holds status, headers and a string entity, and has nothing to release. The
 * agent injects it into the app's class loader as a helper; it is public because the advice inlined
 * into {@code org.apache.http.impl.client} calls {@link #of}.
 */
public final class SyntheticHttpResponse extends BasicHttpResponse
    implements CloseableHttpResponse {

  private SyntheticHttpResponse(int status) {
    super(
        new BasicStatusLine(
            HttpVersion.HTTP_1_1,
            status,
            EnglishReasonPhraseCatalog.INSTANCE.getReason(status, Locale.ENGLISH)));
  }

  /**
   * The rejected call's synthetic response, its entity typed by the call's {@code Content-Type}
   * header (else {@code text/plain}). Throws what HttpClient refuses (a status out of range, an
   * unknown charset): the advice then fails the call as in mode {@code error}.
   */
  public static CloseableHttpResponse of(SluiceCall call) {
    SyntheticHttpResponse response = new SyntheticHttpResponse(call.status());
    String contentType = null;
    for (Map.Entry<String, String> header : call.headers().entrySet()) {
      response.addHeader(header.getKey(), header.getValue());
      if ("Content-Type".equalsIgnoreCase(header.getKey())) {
        contentType = header.getValue();
      }
    }
    response.setEntity(
        new StringEntity(
            call.body(),
            contentType == null ? ContentType.TEXT_PLAIN : ContentType.parse(contentType)));
    return response;
  }

  @Override
  public void close() {
    // a string entity holds no connection
  }
}

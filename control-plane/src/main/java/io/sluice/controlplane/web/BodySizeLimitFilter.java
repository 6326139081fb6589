package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiLimits;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps request bodies of the API at {@value #MAX_BYTES} bytes: reading stops with {@link
 * BodyTooLargeException} as soon as a body passes the cap, whether it declared its length or came
 * chunked, and the problem advice answers 413. Nothing beyond the cap is buffered. The rule store
 * keeps no document larger than the cap either ({@link ApiLimits}).
 */
final class BodySizeLimitFilter extends OncePerRequestFilter {

  static final int MAX_BYTES = ApiLimits.MAX_BODY_BYTES;
  static final String DETAIL = "request bodies are limited to " + MAX_BYTES + " bytes (256 KiB)";

  /** Thrown by the capped stream when a body passes the cap. */
  static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException() {
      super(DETAIL);
    }
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !ApiRequests.isApi(request);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(new CappedRequest(request), response);
  }

  /**
   * The request with its body read through the cap, as bytes ({@link #getInputStream()}) or as text
   * ({@link #getReader()}): a handler that reads text would otherwise read the container's own
   * reader, uncapped.
   */
  private static final class CappedRequest extends HttpServletRequestWrapper {
    private ServletInputStream capped;
    private BufferedReader reader;

    CappedRequest(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (reader != null) {
        throw new IllegalStateException("getReader() has already been called for this request");
      }
      return capped();
    }

    /**
     * The capped body decoded in the request's character encoding, as the container's reader
     * decodes it: the one the request declares, else the application's default for requests, else
     * ISO-8859-1 (the Servlet specification's default).
     */
    @Override
    public BufferedReader getReader() throws IOException {
      if (reader == null) {
        if (capped != null) {
          throw new IllegalStateException(
              "getInputStream() has already been called for this request");
        }
        reader = new BufferedReader(new InputStreamReader(capped(), charset()));
      }
      return reader;
    }

    private ServletInputStream capped() throws IOException {
      if (capped == null) {
        capped = new CappedStream(super.getInputStream());
      }
      return capped;
    }

    private Charset charset() throws UnsupportedEncodingException {
      String name = getCharacterEncoding();
      if (name == null && getServletContext() != null) {
        name = getServletContext().getRequestCharacterEncoding();
      }
      if (name == null) {
        return StandardCharsets.ISO_8859_1;
      }
      try {
        return Charset.forName(name);
      } catch (IllegalArgumentException e) {
        throw new UnsupportedEncodingException(name);
      }
    }
  }

  private static final class CappedStream extends ServletInputStream {
    private final ServletInputStream in;
    private long read;

    CappedStream(ServletInputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws IOException {
      read += n;
      if (read > MAX_BYTES) {
        throw new BodyTooLargeException();
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}

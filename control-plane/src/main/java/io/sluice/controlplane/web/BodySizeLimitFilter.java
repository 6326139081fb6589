package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiLimits;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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

  private static final class CappedRequest extends HttpServletRequestWrapper {
    private ServletInputStream capped;

    CappedRequest(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (capped == null) {
        capped = new CappedStream(super.getInputStream());
      }
      return capped;
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

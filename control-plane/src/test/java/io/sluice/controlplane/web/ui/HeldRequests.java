package io.sluice.controlplane.web.ui;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A filter in front of a control plane the UI test starts itself: it records the bearer token of
 * every request for one path and, while held, keeps those requests waiting before the control plane
 * sees them. A test uses it to let the page's request for that path be answered only after
 * something else happened (the tab's token changed, the page went into the back-forward cache): the
 * answer itself is the real control plane's. Requests wait at most a minute.
 */
final class HeldRequests extends OncePerRequestFilter {

  private final String path;
  private final CountDownLatch released;
  private final List<String> tokens = new CopyOnWriteArrayList<>();
  private final AtomicInteger waiting = new AtomicInteger();

  private HeldRequests(String path, boolean held) {
    this.path = path;
    this.released = new CountDownLatch(held ? 1 : 0);
  }

  /** Records the requests for {@code path} and lets them through. */
  static HeldRequests recording(String path) {
    return new HeldRequests(path, false);
  }

  /** Records the requests for {@code path} and keeps them waiting until {@link #release}. */
  static HeldRequests holding(String path) {
    return new HeldRequests(path, true);
  }

  /** Lets the waiting requests, and every later one, through. */
  void release() {
    released.countDown();
  }

  /** How many requests wait now. */
  int waiting() {
    return waiting.get();
  }

  /** The bearer token of each request seen so far, in order ("none" without one). */
  List<String> tokens() {
    return List.copyOf(tokens);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getRequestURI().equals(path)) {
      String authorization = request.getHeader("Authorization");
      tokens.add(
          authorization != null && authorization.startsWith("Bearer ")
              ? authorization.substring("Bearer ".length())
              : "none");
      waiting.incrementAndGet();
      try {
        released.await(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        waiting.decrementAndGet();
      }
    }
    chain.doFilter(request, response);
  }
}

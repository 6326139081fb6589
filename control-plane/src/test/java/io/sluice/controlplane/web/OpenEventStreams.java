package io.sluice.controlplane.web;

import org.springframework.context.ApplicationContext;

/**
 * How many event streams a running control plane has open, for tests outside this package: the
 * count is the stream's own (package-private, served by no endpoint), so a browser test can see
 * streams its pages left open without the product exposing them.
 */
public final class OpenEventStreams {

  private OpenEventStreams() {}

  /** The streams not over yet in {@code controlPlane}, the ones its client cap counts. */
  public static int in(ApplicationContext controlPlane) {
    return controlPlane.getBean(EventStream.class).openCount();
  }
}

package io.sluice.controlplane.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the server-sent event stream {@code GET /api/v1/events} ({@code sluice.events.*}).
 *
 * @param maxClients streams open at once; one more is refused with 503 and {@code Retry-After}
 * @param keepAlive how often an idle stream gets a comment line, which keeps proxies from closing
 *     it and finds clients that went away (their write fails)
 * @param maxAge how long a stream lives before it ends normally and the client reconnects, so a
 *     stream nobody reads any more cannot hold its slot forever
 */
@ConfigurationProperties("sluice.events")
public record EventSettings(
    @DefaultValue("256") int maxClients,
    @DefaultValue("15s") Duration keepAlive,
    @DefaultValue("30m") Duration maxAge) {

  public EventSettings {
    if (maxClients < 1) {
      throw new IllegalArgumentException(
          "sluice.events.max-clients must be at least 1, was " + maxClients);
    }
    if (keepAlive.isNegative() || keepAlive.isZero()) {
      throw new IllegalArgumentException(
          "sluice.events.keep-alive must be positive, was " + keepAlive);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("sluice.events.max-age must be positive, was " + maxAge);
    }
  }

  /** The defaults. */
  static EventSettings defaults() {
    return new EventSettings(256, Duration.ofSeconds(15), Duration.ofMinutes(30));
  }
}

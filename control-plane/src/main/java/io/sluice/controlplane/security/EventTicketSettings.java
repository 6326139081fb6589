package io.sluice.controlplane.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long an event stream ticket lives ({@code sluice.events.ticket-ttl}). A ticket lets a client
 * that cannot send headers (a browser's {@code EventSource}) open {@code GET
 * /api/v1/events?ticket=...} without putting its long-lived bearer token in the URL, where proxies'
 * access logs keep it. Short by design: a ticket is minted right before the stream opens.
 *
 * @param ticketTtl how long a ticket stays valid if unused; at most 5 minutes
 */
@ConfigurationProperties("sluice.events")
public record EventTicketSettings(@DefaultValue("30s") Duration ticketTtl) {

  /** The longest a ticket may live: it is minted for one stream that opens right away. */
  static final Duration MAX_TTL = Duration.ofMinutes(5);

  public EventTicketSettings {
    if (ticketTtl.isNegative() || ticketTtl.isZero() || ticketTtl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "sluice.events.ticket-ttl must be positive and at most 5m, was " + ticketTtl);
    }
  }
}

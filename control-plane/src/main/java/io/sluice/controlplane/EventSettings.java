package io.sluice.controlplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything under {@code sluice.events.*}: the limits of the server-sent event stream {@code GET
 * /api/v1/events} (the {@code web} feature) and of the single-use tickets that open it (the {@code
 * security} feature). One record binds the prefix and checks it once, at start, so the two features
 * cannot disagree on a value or on what is valid; it lives here, beside the other settings several
 * features share, because {@code web} already depends on {@code security} and not the other way.
 *
 * @param maxClients streams open at once; one more is refused with 503 and {@code Retry-After}
 * @param keepAlive how often an idle stream gets a comment line, which keeps proxies from closing
 *     it and finds clients that went away (their write fails)
 * @param maxAge how long a stream lives before it ends normally and the client reconnects, so a
 *     stream nobody reads any more cannot hold its slot forever
 * @param ticketTtl how long a stream ticket stays valid if unused; at most {@link #MAX_TICKET_TTL}:
 *     a ticket is minted right before the stream opens, and is a credential while it lives
 * @param maxTicketsPerCaller unused tickets one caller (one token; all callers without a token
 *     together) keeps at once; one more drops that caller's own oldest, so one caller cannot push
 *     out the others' tickets
 * @param maxClientsPerCaller streams one caller (one token; all callers without a token together)
 *     keeps open at once; one more is refused with 429 and {@code Retry-After}, so one caller (a
 *     script that opens streams in a loop, a token shared too widely) cannot take every stream and
 *     shut the others out of live updates. Above {@code maxClients} it changes nothing
 */
@ConfigurationProperties("sluice.events")
public record EventSettings(
    @DefaultValue("256") int maxClients,
    @DefaultValue("15s") Duration keepAlive,
    @DefaultValue("30m") Duration maxAge,
    @DefaultValue("30s") Duration ticketTtl,
    @DefaultValue("16") int maxTicketsPerCaller,
    @DefaultValue("64") int maxClientsPerCaller) {

  /** The longest a ticket may live: it is minted for one stream that opens right away. */
  public static final Duration MAX_TICKET_TTL = Duration.ofMinutes(5);

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException listing every bad value, each with its property name
   */
  public EventSettings {
    List<String> problems = new ArrayList<>();
    if (maxClients < 1) {
      problems.add("sluice.events.max-clients must be at least 1, was " + maxClients);
    }
    if (keepAlive.isNegative() || keepAlive.isZero()) {
      problems.add("sluice.events.keep-alive must be positive, was " + keepAlive);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      problems.add("sluice.events.max-age must be positive, was " + maxAge);
    }
    if (ticketTtl.isNegative() || ticketTtl.isZero() || ticketTtl.compareTo(MAX_TICKET_TTL) > 0) {
      problems.add("sluice.events.ticket-ttl must be positive and at most 5m, was " + ticketTtl);
    }
    if (maxTicketsPerCaller < 1) {
      problems.add(
          "sluice.events.max-tickets-per-caller must be at least 1, was " + maxTicketsPerCaller);
    }
    if (maxClientsPerCaller < 1) {
      problems.add(
          "sluice.events.max-clients-per-caller must be at least 1, was " + maxClientsPerCaller);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid event stream settings:\n  - " + String.join("\n  - ", problems));
    }
  }

  /** The defaults, as an unset {@code sluice.events.*} binds them. */
  public static EventSettings defaults() {
    return new EventSettings(
        256, Duration.ofSeconds(15), Duration.ofMinutes(30), Duration.ofSeconds(30), 16, 64);
  }
}

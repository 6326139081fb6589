package io.sluice.controlplane.security;

import io.sluice.controlplane.EventSettings;
import io.sluice.controlplane.NoBody;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/events/tickets}: a short-lived, single-use ticket for {@code GET
 * /api/v1/events?ticket=...}, minted with the caller's bearer token in the header (or none while
 * reads are open). For clients that cannot send headers on the stream itself (a browser's {@code
 * EventSource}): the ticket, not the long-lived token, goes in the URL.
 */
@RestController
class EventTicketsController {

  private final EventTickets tickets;
  private final long expiresInSeconds;

  EventTicketsController(EventTickets tickets, EventSettings settings) {
    this.tickets = tickets;
    // rounded up, so a sub-second TTL does not read as already expired
    this.expiresInSeconds = (settings.ticketTtl().toMillis() + 999) / 1000;
  }

  /**
   * Mints a ticket for the caller. The call takes no body: the ticket is for the token in the
   * header, with the configured lifetime, and a body with content is refused (415) before any
   * ticket is issued, rather than ignored: a client that sent one ({@code {"ttl": 300}}, a service
   * name) meant something the ticket would not do. An empty body is no body ({@link NoBody}).
   */
  @PostMapping("/api/v1/events/tickets")
  ResponseEntity<EventTicket> mint(
      InputStream body, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    NoBody.require(
        body,
        request.getContentType(),
        "a ticket request takes no body: the ticket opens the event stream as the token in the"
            + " Authorization header; send no body");
    // a ticket is a credential: no cache may keep it (the API's default is only private, no-cache)
    response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    // JSON whatever Accept says, as the answers of writes: the ticket is issued by now, and a 406
    // would hide it while it counts against the caller's unused tickets
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .body(new EventTicket(tickets.issue(Caller.of(request)), expiresInSeconds));
  }

  /**
   * A minted ticket.
   *
   * @param ticket the value for {@code ?ticket=}
   * @param expiresInSeconds how long it stays valid if unused
   */
  record EventTicket(String ticket, long expiresInSeconds) {}
}
